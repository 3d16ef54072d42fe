/**
 * Schedule's own figures on /metrics (the platform measures its RPCs): seats put on hold, sold,
 * and given back to sale, by cabin. Counted only once the transaction that moved them commits,
 * so a hold rolled back for a sold-out cabin counts nothing.
 */
import { metrics } from '../../platform/metrics.js';
import type { HoldItem, HoldStatus } from './domain/holds.js';

const held = metrics.counter('schedule.seats.held', {
  description: 'Seats put on hold.',
  unit: '{seat}',
});
const sold = metrics.counter('schedule.seats.sold', {
  description: 'Seats sold: holds confirmed.',
  unit: '{seat}',
});
const freed = metrics.counter('schedule.seats.freed', {
  description:
    'Seats given back to sale, by the status their hold went to: RELEASED by its holder, EXPIRED unconfirmed, RETURNED after a sale.',
  unit: '{seat}',
});

/** A hold that changed status, with the seats that moved with it. */
export interface HoldChange {
  items: HoldItem[];
  to: HoldStatus;
}

/** Counts the seats of committed hold changes. */
export function countSeatMoves(changes: HoldChange[]): void {
  for (const { items, to } of changes) {
    for (const item of items) {
      const cabin = { cabin: item.cabin };
      if (to === 'HELD') held.add(item.seats, cabin);
      else if (to === 'CONFIRMED') sold.add(item.seats, cabin);
      else freed.add(item.seats, { ...cabin, to });
    }
  }
}
