/** A quote: its flights, the itemised price, and how long the price is guaranteed. */
import { useEffect, useState } from 'react';
import type { Quote } from '../api/types';
import { formatCountdown, formatMoney } from '../format';

const TYPE_LABEL = { adult: 'Adult', child: 'Child', infant: 'Infant' } as const;

/** ms left until `expiresAt`, ticking every second; 0 once it has passed. */
export function useTimeLeft(expiresAt: string | null | undefined): number {
  const until = expiresAt ? Date.parse(expiresAt) : 0;
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!until) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [until]);
  return Math.max(0, until - now);
}

export function QuoteView({ quote, timeLeftMs }: { quote: Quote; timeLeftMs: number }) {
  const lines = quote.price?.lines ?? [];
  return (
    <section className="quote" aria-labelledby="quote-title">
      <h2 id="quote-title">Your price</h2>
      <table className="breakdown">
        <caption className="visually-hidden">Price breakdown</caption>
        <thead>
          <tr>
            <th scope="col">Item</th>
            <th scope="col" className="num">
              Each
            </th>
            <th scope="col" className="num">
              Qty
            </th>
            <th scope="col" className="num">
              Amount
            </th>
          </tr>
        </thead>
        <tbody>
          {lines.map((l, i) => (
            <tr key={i}>
              <td>
                {l.description}
                {l.passengerType && <span className="hint"> · {TYPE_LABEL[l.passengerType]}</span>}
                {l.segmentIndex !== null && quote.segments[l.segmentIndex] && (
                  <span className="hint"> · {quote.segments[l.segmentIndex]!.flightNumber}</span>
                )}
              </td>
              <td className="num">{formatMoney(l.unitAmount)}</td>
              <td className="num">{l.quantity}</td>
              <td className="num">{formatMoney(l.amount)}</td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row" colSpan={3}>
              Total
            </th>
            <td className="num total">{formatMoney(quote.price?.total)}</td>
          </tr>
        </tfoot>
      </table>
      <p className="expiry" aria-live="off">
        {timeLeftMs > 0 ? (
          <>
            Price guaranteed for <strong>{formatCountdown(timeLeftMs)}</strong>
          </>
        ) : (
          <strong>This price has expired.</strong>
        )}
      </p>
    </section>
  );
}
