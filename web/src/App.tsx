export function App() {
  return (
    <main>
      <h1>Flight mesh</h1>
      <p>Search, book and manage flights.</p>
    </main>
  );
}
