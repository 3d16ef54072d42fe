/** Where, when, who and how: the search form. Submitting starts (or replaces) the search. */
import { useState, type FormEvent } from 'react';
import { CABIN_LABELS, CABINS, type Cabin } from '../api/types';
import { AirportInput } from './AirportInput';
import type { SearchQuery } from './query';

interface Props {
  initial: SearchQuery | undefined;
  onSearch(q: SearchQuery): void;
}

/** Today's date where the traveller is, YYYY-MM-DD. */
const today = () => {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
};

function Count(props: {
  label: string;
  hint: string;
  value: number;
  min: number;
  onChange(n: number): void;
}) {
  const id = `count-${props.label.toLowerCase()}`;
  return (
    <div className="field count">
      <label htmlFor={id}>
        {props.label} <span className="hint">{props.hint}</span>
      </label>
      <select id={id} value={props.value} onChange={(e) => props.onChange(Number(e.target.value))}>
        {Array.from({ length: 10 - props.min }, (_, i) => i + props.min).map((n) => (
          <option key={n} value={n}>
            {n}
          </option>
        ))}
      </select>
    </div>
  );
}

export function SearchForm({ initial, onSearch }: Props) {
  const [origin, setOrigin] = useState(initial?.origin ?? '');
  const [destination, setDestination] = useState(initial?.destination ?? '');
  const [date, setDate] = useState(initial?.date ?? '');
  const [adults, setAdults] = useState(initial?.adults ?? 1);
  const [children, setChildren] = useState(initial?.children ?? 0);
  const [infants, setInfants] = useState(initial?.infants ?? 0);
  const [cabin, setCabin] = useState<Cabin>(initial?.cabin ?? 'economy');
  const [maxStops, setMaxStops] = useState(initial?.maxStops ?? 1);
  const [errors, setErrors] = useState<Record<string, string>>({});

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const found: Record<string, string> = {};
    if (!origin) found.origin = 'Choose a departure airport from the list.';
    if (!destination) found.destination = 'Choose an arrival airport from the list.';
    else if (destination === origin) found.destination = 'Arrival must differ from departure.';
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) found.date = 'Choose a date.';
    if (infants > adults) found.infants = 'Each infant travels on an adult’s lap.';
    setErrors(found);
    if (Object.keys(found).length) return;
    onSearch({ origin, destination, date, adults, children, infants, cabin, maxStops });
  };

  return (
    <form className="search-form" onSubmit={submit} noValidate aria-label="Search flights">
      <AirportInput
        label="From"
        name="origin"
        value={origin}
        onChange={setOrigin}
        error={errors.origin}
      />
      <AirportInput
        label="To"
        name="destination"
        value={destination}
        onChange={setDestination}
        error={errors.destination}
      />
      <div className="field">
        <label htmlFor="date">Departure date</label>
        <input
          id="date"
          type="date"
          min={today()}
          value={date}
          onChange={(e) => setDate(e.target.value)}
          aria-invalid={errors.date ? true : undefined}
          aria-describedby={errors.date ? 'date-error' : undefined}
        />
        {errors.date && (
          <p id="date-error" className="field-error">
            {errors.date}
          </p>
        )}
      </div>
      <fieldset className="passengers">
        <legend>Passengers</legend>
        <Count label="Adults" hint="12+" value={adults} min={1} onChange={setAdults} />
        <Count label="Children" hint="2–11" value={children} min={0} onChange={setChildren} />
        <Count label="Infants" hint="under 2" value={infants} min={0} onChange={setInfants} />
        {errors.infants && <p className="field-error">{errors.infants}</p>}
      </fieldset>
      <div className="field">
        <label htmlFor="cabin">Cabin</label>
        <select id="cabin" value={cabin} onChange={(e) => setCabin(e.target.value as Cabin)}>
          {CABINS.map((c) => (
            <option key={c} value={c}>
              {CABIN_LABELS[c]}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="max-stops">Stops</label>
        <select
          id="max-stops"
          value={maxStops}
          onChange={(e) => setMaxStops(Number(e.target.value))}
        >
          <option value={0}>Direct only</option>
          <option value={1}>Up to 1 stop</option>
          <option value={2}>Up to 2 stops</option>
        </select>
      </div>
      <button type="submit" className="primary">
        Search flights
      </button>
    </form>
  );
}
