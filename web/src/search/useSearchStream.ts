/**
 * Runs a search over Server-Sent Events (GET /api/v1/search/stream) and collects itineraries as
 * they arrive. A new query, or leaving the page, aborts the request, which cancels the search
 * downstream. fetch + eventsource-parser rather than EventSource: EventSource hides the status
 * and problem+json body of a refused request, and reconnects (searching again) on its own.
 */
import { EventSourceParserStream } from 'eventsource-parser/stream';
import { useEffect, useState } from 'react';
import { ApiProblem, networkProblem, problemOf } from '../api/http';
import type { Itinerary, Problem, SearchSummary } from '../api/types';
import { toParams, type SearchQuery } from './query';

export interface SearchState {
  status: 'idle' | 'searching' | 'done' | 'failed';
  itineraries: Itinerary[];
  summary?: SearchSummary;
  problem?: ApiProblem;
}

const IDLE: SearchState = { status: 'idle', itineraries: [] };

export function useSearchStream(query: SearchQuery | undefined): SearchState {
  const [state, setState] = useState<SearchState>(IDLE);
  const key = query ? toParams(query).toString() : '';

  useEffect(() => {
    if (!key) {
      setState(IDLE);
      return;
    }
    const controller = new AbortController();
    setState({ status: 'searching', itineraries: [] });
    const fail = (problem: ApiProblem) => setState((s) => ({ ...s, status: 'failed', problem }));

    (async () => {
      const res = await fetch(`/api/v1/search/stream?${key}`, {
        headers: { accept: 'text/event-stream' },
        signal: controller.signal,
      });
      if (!res.ok || !res.body) return fail(await problemOf(res));
      const reader = res.body
        .pipeThrough(new TextDecoderStream())
        .pipeThrough(new EventSourceParserStream())
        .getReader();
      let ended = false;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (value.event === 'itinerary') {
          const it = JSON.parse(value.data) as Itinerary;
          setState((s) => ({ ...s, itineraries: [...s.itineraries, it] }));
        } else if (value.event === 'end') {
          ended = true;
          const summary = JSON.parse(value.data) as SearchSummary;
          setState((s) => ({ ...s, status: 'done', summary }));
        } else if (value.event === 'problem') {
          ended = true;
          const p = JSON.parse(value.data) as Problem;
          fail(new ApiProblem(p.status, p));
        }
      }
      if (!ended) fail(networkProblem());
    })().catch((err: unknown) => {
      if (controller.signal.aborted) return;
      fail(err instanceof ApiProblem ? err : networkProblem());
    });
    return () => controller.abort();
  }, [key]);

  return state;
}
