/**
 * How itineraries are ranked while they are searched: the order of each sort, and the best
 * `limit` kept in a bounded heap. Pure.
 */

/**
 * Which itineraries come first. `price` cannot know prices before pricing is asked, so it ranks
 * by an estimated fare (distance flown plus a fixed part per flight, the shape of every fare
 * model: see `estimatedFare`), then by duration; pricing then gives the real prices.
 */
export type SortKey = 'price' | 'duration' | 'departure';

export interface Candidate {
  /** The flights, as index slots, in the order flown. */
  slots: number[];
  departureMs: number;
  arrivalMs: number;
  fare: number;
  /** The primary sort value (lower is better). */
  primary: number;
  id?: string;
}

/**
 * The order of itineraries for each sort, total so that results are deterministic: the primary
 * value, then the other natural ones, then the itinerary id.
 */
export function comparator(
  sort: SortKey,
  idOf: (c: Candidate) => string,
): (a: Candidate, b: Candidate) => number {
  const byId = (a: Candidate, b: Candidate) => {
    const idA = idOf(a);
    const idB = idOf(b);
    return idA < idB ? -1 : idA > idB ? 1 : 0;
  };
  const duration = (c: Candidate) => c.arrivalMs - c.departureMs;
  switch (sort) {
    case 'duration':
      return (a, b) => duration(a) - duration(b) || a.departureMs - b.departureMs || byId(a, b);
    case 'departure':
      return (a, b) => a.departureMs - b.departureMs || duration(a) - duration(b) || byId(a, b);
    case 'price':
      return (a, b) =>
        a.fare - b.fare || duration(a) - duration(b) || a.departureMs - b.departureMs || byId(a, b);
  }
}

/** The primary sort value of a finished itinerary. */
export function primaryOf(
  sort: SortKey,
  departureMs: number,
  arrivalMs: number,
  fare: number,
): number {
  return sort === 'duration' ? arrivalMs - departureMs : sort === 'departure' ? departureMs : fare;
}

/** A max-heap of the best `limit` candidates: its top is the worst one kept. */
export class BestOf {
  readonly items: Candidate[] = [];
  constructor(
    private readonly limit: number,
    private readonly cmp: (a: Candidate, b: Candidate) => number,
  ) {}

  get full(): boolean {
    return this.items.length >= this.limit;
  }

  /** The primary value a new candidate must not exceed to have a chance (Infinity until full). */
  get bar(): number {
    return this.full ? this.items[0]!.primary : Infinity;
  }

  offer(candidate: Candidate): void {
    const heap = this.items;
    if (!this.full) {
      // Sift the new one up while it is worse than its parent.
      heap.push(candidate);
      let child = heap.length - 1;
      while (child > 0) {
        const parent = (child - 1) >> 1;
        if (this.cmp(heap[child]!, heap[parent]!) <= 0) break;
        [heap[child], heap[parent]] = [heap[parent]!, heap[child]!];
        child = parent;
      }
      return;
    }
    if (this.limit === 0 || this.cmp(candidate, heap[0]!) >= 0) return;
    // It replaces the worst kept; sift it down below every worse child.
    heap[0] = candidate;
    for (let at = 0; ;) {
      const left = 2 * at + 1;
      const right = left + 1;
      let worst = at;
      if (left < heap.length && this.cmp(heap[left]!, heap[worst]!) > 0) worst = left;
      if (right < heap.length && this.cmp(heap[right]!, heap[worst]!) > 0) worst = right;
      if (worst === at) break;
      [heap[at], heap[worst]] = [heap[worst]!, heap[at]!];
      at = worst;
    }
  }

  sorted(): Candidate[] {
    return [...this.items].sort(this.cmp);
  }
}
