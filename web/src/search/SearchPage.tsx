/** The search page: the form, and the results of the query in the URL. */
import { navigate } from '../router';
import type { Itinerary } from '../api/types';
import { fromParams, toParams, type SearchQuery } from './query';
import { Results } from './Results';
import { SearchForm } from './SearchForm';
import { useSearchStream } from './useSearchStream';
import { saveSelection } from '../book/selection';

export function SearchPage({ search }: { search: string }) {
  const query = fromParams(search);
  const state = useSearchStream(query);
  const onSearch = (q: SearchQuery) => navigate(`/?${toParams(q).toString()}`);
  const onSelect = (it: Itinerary) => {
    if (!query) return;
    saveSelection({ itinerary: it, query });
    navigate('/book');
  };
  return (
    <>
      <h1 tabIndex={-1}>Find a flight</h1>
      {/* Not re-keyed by the query: remounting a form from inside its own submit left the old
          form element in the DOM (React 19). It holds what was typed, which is what was asked. */}
      <SearchForm initial={query} onSearch={onSearch} />
      <Results key={query ? toParams(query).toString() : ''} state={state} onSelect={onSelect} />
    </>
  );
}
