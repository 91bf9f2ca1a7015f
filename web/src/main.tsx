/**
 * The workspace's shell: navigation, the search box, the write token, and the page of the current
 * hash route. Every string from data reaches the DOM as a Preact text node.
 */
import { render } from 'preact';
import { useState } from 'preact/hooks';
import { getToken, setToken } from './api';
import { href, navigate, useRoute, type Route } from './router';
import { searchTarget } from './search';
import './styles.css';
import { AchPage } from './pages/Ach';
import { AsPage } from './pages/As';
import { CasePage, CasesPage } from './pages/Cases';
import { ComparePage } from './pages/Compare';
import { CountriesPage } from './pages/Countries';
import { CountryPage } from './pages/Country';
import { HomePage } from './pages/Home';
import { IngestPage } from './pages/Ingest';
import { IpPage } from './pages/Ip';
import { OutagesPage } from './pages/Outages';
import { PrefixPage } from './pages/Prefix';

const NAV: [string, string][] = [
  ['Overview', href()],
  ['Countries', href('countries')],
  ['Compare', href('compare')],
  ['Outages', href('outages')],
  ['Cases', href('cases')],
  ['ACH', href('ach')],
  ['Ingest', href('ingest')],
];

function Search() {
  const [text, setText] = useState('');
  const [problem, setProblem] = useState('');
  return (
    <form
      class="search"
      role="search"
      onSubmit={(event) => {
        event.preventDefault();
        const target = searchTarget(text);
        if (target === undefined)
          setProblem('Type an IP address, a prefix, an AS number or a two-letter country code.');
        else {
          setProblem('');
          navigate(target);
        }
      }}
    >
      <label for="search-box">Search</label>
      <input
        id="search-box"
        type="search"
        placeholder="IP, prefix, ASN or country"
        value={text}
        onInput={(e) => setText(e.currentTarget.value)}
      />
      <button type="submit">Go</button>
      {problem !== '' && (
        <span class="error" role="alert">
          {problem}
        </span>
      )}
    </form>
  );
}

function TokenBox() {
  const [has, setHas] = useState(getToken() !== undefined);
  const [text, setText] = useState('');
  if (has)
    return (
      <div class="token">
        <span>Write token set for this tab.</span>
        <button
          type="button"
          onClick={() => {
            setToken(undefined);
            setHas(false);
          }}
        >
          Forget token
        </button>
      </div>
    );
  return (
    <form
      class="token"
      onSubmit={(event) => {
        event.preventDefault();
        setToken(text.trim());
        setText('');
        setHas(getToken() !== undefined);
      }}
    >
      <label for="token-box">Write token</label>
      <input
        id="token-box"
        type="password"
        autocomplete="off"
        value={text}
        onInput={(e) => setText(e.currentTarget.value)}
      />
      <button type="submit">Keep for this tab</button>
    </form>
  );
}

function Page({ route }: { route: Route }) {
  const [first, second] = route.parts;
  switch (first) {
    case undefined:
      return <HomePage route={route} />;
    case 'countries':
      return <CountriesPage route={route} />;
    case 'country':
      return <CountryPage code={(second ?? '').toUpperCase()} route={route} />;
    case 'compare':
      return <ComparePage route={route} />;
    case 'as':
      return <AsPage asn={second ?? ''} route={route} />;
    case 'prefix':
      return <PrefixPage prefix={route.parts.slice(1).join('/')} route={route} />;
    case 'ip':
      return <IpPage address={second ?? ''} route={route} />;
    case 'outages':
      return <OutagesPage route={route} />;
    case 'cases':
      return second === undefined ? <CasesPage route={route} /> : <CasePage id={second} route={route} />;
    case 'ach':
      return <AchPage id={second} route={route} />;
    case 'ingest':
      return <IngestPage route={route} />;
    default:
      return (
        <section>
          <h1>Not found</h1>
          <p>
            There is no page <code>{route.parts.join('/')}</code>. <a href={href()}>Back to the overview</a>.
          </p>
        </section>
      );
  }
}

function App() {
  const route = useRoute();
  const current = href(...route.parts.slice(0, 1));
  return (
    <>
      <a
        class="skip"
        href="#main"
        onClick={(e) => {
          e.preventDefault();
          document.getElementById('main')?.focus();
        }}
      >
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href={href()}>
          cairn
        </a>
        <nav aria-label="Main">
          <ul>
            {NAV.map(([label, target]) => (
              <li key={label}>
                <a
                  href={target}
                  aria-current={
                    target === current || (target === '#/' && current === '#/') ? 'page' : undefined
                  }
                >
                  {label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <Search />
        <TokenBox />
      </header>
      <main id="main" tabIndex={-1}>
        <Page route={route} key={route.parts.join('/')} />
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
