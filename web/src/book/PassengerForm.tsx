/**
 * Who travels: one group of fields per passenger of the quote, and a contact email. Errors are
 * the BFF's, per field (problem+json `errors`, e.g. "passengers[1].dateOfBirth"), shown next to
 * the field they name; the first one gets focus.
 */
import { useEffect, useRef, type FormEvent } from 'react';
import type { PassengerType } from '../api/types';

export interface PassengerDraft {
  type: PassengerType;
  givenName: string;
  familyName: string;
  dateOfBirth: string;
}

export interface Draft {
  passengers: PassengerDraft[];
  contactEmail: string;
}

export function draftFor(counts: { adults: number; children: number; infants: number }): Draft {
  const of = (type: PassengerType, n: number) =>
    Array.from({ length: n }, (): PassengerDraft => ({
      type,
      givenName: '',
      familyName: '',
      dateOfBirth: '',
    }));
  return {
    passengers: [
      ...of('adult', counts.adults),
      ...of('child', counts.children),
      ...of('infant', counts.infants),
    ],
    contactEmail: '',
  };
}

const TYPE_LABEL = { adult: 'Adult', child: 'Child', infant: 'Infant' } as const;

interface Props {
  draft: Draft;
  onChange(d: Draft): void;
  onSubmit(): void;
  errors: Record<string, string>;
  busy: boolean;
  disabled: boolean;
  submitLabel: string;
}

/** The DOM id of the input for an API field path: "passengers[0].givenName" → "f-passengers-0-givenName". */
const fieldId = (path: string) => `f-${path.replace(/[[\].]+/g, '-').replace(/-$/, '')}`;

function Field(props: {
  path: string;
  label: string;
  value: string;
  type?: string;
  autoComplete?: string;
  error: string | undefined;
  onChange(v: string): void;
}) {
  const id = fieldId(props.path);
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      <input
        id={id}
        name={props.path}
        type={props.type ?? 'text'}
        autoComplete={props.autoComplete}
        value={props.value}
        aria-invalid={props.error ? true : undefined}
        aria-describedby={props.error ? `${id}-error` : undefined}
        onChange={(e) => props.onChange(e.target.value)}
      />
      {props.error && (
        <p id={`${id}-error`} className="field-error">
          {props.error}
        </p>
      )}
    </div>
  );
}

export function PassengerForm({
  draft,
  onChange,
  onSubmit,
  errors,
  busy,
  disabled,
  submitLabel,
}: Props) {
  const form = useRef<HTMLFormElement>(null);
  // Focus the first field the server named, so a keyboard or screen reader user lands on it.
  useEffect(() => {
    const first = Object.keys(errors)[0];
    if (first) form.current?.querySelector<HTMLElement>(`#${CSS.escape(fieldId(first))}`)?.focus();
  }, [errors]);

  const setPassenger = (i: number, patch: Partial<PassengerDraft>) =>
    onChange({
      ...draft,
      passengers: draft.passengers.map((p, j) => (j === i ? { ...p, ...patch } : p)),
    });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!busy && !disabled) onSubmit();
  };
  const unplaced = Object.entries(errors).filter(
    ([path]) =>
      !/^passengers\[\d+\]\.(givenName|familyName|dateOfBirth)$|^contactEmail$/.test(path),
  );

  return (
    <form ref={form} className="passenger-form" onSubmit={submit} noValidate aria-labelledby="who">
      <h2 id="who">Who is travelling</h2>
      {draft.passengers.map((p, i) => (
        <fieldset key={i}>
          <legend>
            Passenger {i + 1}: {TYPE_LABEL[p.type]}
          </legend>
          <Field
            path={`passengers[${i}].givenName`}
            label="Given name"
            autoComplete={i === 0 ? 'given-name' : 'off'}
            value={p.givenName}
            error={errors[`passengers[${i}].givenName`]}
            onChange={(v) => setPassenger(i, { givenName: v })}
          />
          <Field
            path={`passengers[${i}].familyName`}
            label="Family name"
            autoComplete={i === 0 ? 'family-name' : 'off'}
            value={p.familyName}
            error={errors[`passengers[${i}].familyName`]}
            onChange={(v) => setPassenger(i, { familyName: v })}
          />
          <Field
            path={`passengers[${i}].dateOfBirth`}
            label="Date of birth"
            type="date"
            value={p.dateOfBirth}
            error={errors[`passengers[${i}].dateOfBirth`]}
            onChange={(v) => setPassenger(i, { dateOfBirth: v })}
          />
        </fieldset>
      ))}
      <Field
        path="contactEmail"
        label="Contact email"
        type="email"
        autoComplete="email"
        value={draft.contactEmail}
        error={errors.contactEmail}
        onChange={(v) => onChange({ ...draft, contactEmail: v })}
      />
      {unplaced.length > 0 && (
        <ul className="field-error">
          {unplaced.map(([path, detail]) => (
            <li key={path}>{detail}</li>
          ))}
        </ul>
      )}
      <button type="submit" className="primary" disabled={disabled} aria-disabled={busy}>
        {busy ? 'Booking…' : submitLabel}
      </button>
    </form>
  );
}
