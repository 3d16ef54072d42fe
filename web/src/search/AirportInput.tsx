/**
 * An airport picker: a WAI-ARIA 1.2 combobox with a list box of suggestions from
 * GET /api/v1/airports?q= (code, city or name). Arrow keys move, Enter picks, Escape closes.
 */
import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';
import { airport, findAirports } from '../airports';
import type { Airport } from '../api/types';

interface Props {
  label: string;
  /** The chosen IATA code, '' for none. */
  value: string;
  onChange(code: string): void;
  error?: string | undefined;
  name: string;
}

/** "London Heathrow Airport (LHR)", "New York, John F Kennedy International Airport (JFK)". */
const describe = (a: Airport) =>
  a.name.includes(a.city) ? `${a.name} (${a.code})` : `${a.city}, ${a.name} (${a.code})`;

export function AirportInput({ label, value, onChange, error, name }: Props) {
  const id = useId();
  const listId = `${id}-list`;
  const errorId = `${id}-error`;
  const [text, setText] = useState(value);
  const [options, setOptions] = useState<Airport[]>([]);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const typed = useRef(false);

  // Show the chosen airport's full name once it is known (a code from the URL, say).
  useEffect(() => {
    if (!value) return;
    let live = true;
    void airport(value).then((a) => {
      if (live && a && !typed.current) setText(describe(a));
    });
    return () => {
      live = false;
    };
  }, [value]);

  // Suggestions for what is typed; a newer keystroke cancels the older request.
  useEffect(() => {
    if (!typed.current) return;
    const q = text.trim();
    if (q.length < 2) {
      setOptions([]);
      return;
    }
    const controller = new AbortController();
    const timer = setTimeout(() => {
      findAirports(q, controller.signal).then(
        (found) => {
          setOptions(found);
          setActive(found.length ? 0 : -1);
          setOpen(true);
        },
        () => undefined,
      );
    }, 150);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [text]);

  const pick = (a: Airport) => {
    typed.current = false;
    setText(describe(a));
    setOpen(false);
    setOptions([]);
    onChange(a.code);
  };

  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'ArrowDown' && options.length) {
      e.preventDefault();
      setOpen(true);
      setActive((i) => (i + 1) % options.length);
    } else if (e.key === 'ArrowUp' && options.length) {
      e.preventDefault();
      setOpen(true);
      setActive((i) => (i <= 0 ? options.length - 1 : i - 1));
    } else if (e.key === 'Enter' && open && options[active]) {
      e.preventDefault();
      pick(options[active]);
    } else if (e.key === 'Escape' && open) {
      e.preventDefault();
      setOpen(false);
    }
  };

  const expanded = open && options.length > 0;
  return (
    <div className="field combo">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        name={name}
        type="text"
        role="combobox"
        autoComplete="off"
        spellCheck={false}
        placeholder="City, airport or code"
        aria-autocomplete="list"
        aria-expanded={expanded}
        aria-controls={listId}
        aria-activedescendant={expanded && active >= 0 ? `${id}-opt-${active}` : undefined}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? errorId : undefined}
        value={text}
        onChange={(e) => {
          typed.current = true;
          setText(e.target.value);
          if (value) onChange('');
        }}
        onKeyDown={onKeyDown}
        onBlur={() => setOpen(false)}
      />
      <ul id={listId} role="listbox" aria-label={`${label} suggestions`} hidden={!expanded}>
        {options.map((a, i) => (
          <li
            key={a.code}
            id={`${id}-opt-${i}`}
            role="option"
            aria-selected={i === active}
            // mousedown, not click: it comes before the input's blur closes the list.
            onMouseDown={(e) => {
              e.preventDefault();
              pick(a);
            }}
          >
            <span className="code">{a.code}</span> {a.city} · {a.name}
            <span className="country"> {a.country}</span>
          </li>
        ))}
      </ul>
      {error && (
        <p id={errorId} className="field-error">
          {error}
        </p>
      )}
    </div>
  );
}
