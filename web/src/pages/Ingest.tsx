/**
 * What the store holds (`/ingest/status`): every file ingested (name, kind, size, element time
 * range, records, problems), totals by kind, row counts and the store's size. A server without a
 * store says so.
 */
import { useApiList } from '../api';
import { Downloads, Meta, Status } from '../components/Status';
import { Table } from '../components/Table';
import { dataDays, downloadCsv, downloadJson, fileName } from '../download';
import type { Route } from '../router';
import type { IngestStatusResult } from '../types';

type FileLine = IngestStatusResult['files'][number];

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

export function IngestPage(_props: { route: Route }) {
  const loaded = useApiList<IngestStatusResult>('/ingest/status', 'files');
  return (
    <section>
      <h1>Ingest status</h1>
      <p class="muted">What the store holds: the files ingested, their time ranges and problems.</p>
      {loaded.state === 'error' && (loaded.error as { code?: string }).code === 'API_NO_STORE' ? (
        <p role="status">No store: this server was started without one (cairn serve opens one).</p>
      ) : (
        <Status loaded={loaded} what="the ingest status">
          {(status, ready) => (
            <>
              <Meta meta={ready.value.meta} />
              <p>
                {status.totals.files} files ({mib(status.totals.bytes)},{' '}
                {status.totals.records.toLocaleString('en-US')} records, {status.totals.problems} problems) in
                a store of {mib(status.storeBytes)} at schema version {status.schemaVersion}.{' '}
                {status.timeRange !== null && (
                  <>
                    Routing data from <time dateTime={status.timeRange.from}>{status.timeRange.from}</time> to{' '}
                    <time dateTime={status.timeRange.to}>{status.timeRange.to}</time>.
                  </>
                )}
              </p>
              <table>
                <caption>Files by kind</caption>
                <thead>
                  <tr>
                    <th scope="col">Kind</th>
                    <th scope="col">Files</th>
                    <th scope="col">Size</th>
                    <th scope="col">Records</th>
                    <th scope="col">Problems</th>
                  </tr>
                </thead>
                <tbody>
                  {(['mrt', 'registry', 'intel'] as const).map((kind) => {
                    const t = status.totals.byKind[kind];
                    return (
                      <tr key={kind} data-kind={kind}>
                        <th scope="row">{kind}</th>
                        <td>{t.files}</td>
                        <td>{mib(t.bytes)}</td>
                        <td>{t.records}</td>
                        <td>{t.problems}</td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
              <table>
                <caption>Rows kept</caption>
                <tbody>
                  {Object.entries(status.counts).map(([name, count]) => (
                    <tr key={name}>
                      <th scope="row">{name}</th>
                      <td>{count}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <Downloads
                of="the ingest status"
                actions={[
                  {
                    label: 'Files CSV',
                    run: () =>
                      downloadCsv(
                        fileName(['ingest', ...dataDays(ready.value.meta), 'files'], 'csv'),
                        ['name', 'kind', 'hash', 'size', 'records', 'first_time', 'last_time', 'problems'],
                        status.files.map((f) => [
                          f.name,
                          f.kind,
                          f.hash,
                          f.size,
                          f.records,
                          f.firstTime,
                          f.lastTime,
                          f.problemCount,
                        ]),
                      ),
                  },
                  {
                    label: 'Status JSON',
                    run: () =>
                      downloadJson(fileName(['ingest', ...dataDays(ready.value.meta)], 'json'), status),
                  },
                ]}
              />
              <Table
                caption="Files ingested"
                columns={[
                  { key: 'name', label: 'File', value: (f: FileLine) => f.name },
                  { key: 'kind', label: 'Kind', value: (f: FileLine) => f.kind },
                  { key: 'size', label: 'Bytes', numeric: true, value: (f: FileLine) => f.size },
                  { key: 'records', label: 'Records', numeric: true, value: (f: FileLine) => f.records },
                  { key: 'first', label: 'First element', value: (f: FileLine) => f.firstTime ?? '' },
                  { key: 'last', label: 'Last element', value: (f: FileLine) => f.lastTime ?? '' },
                  {
                    key: 'problems',
                    label: 'Problems',
                    numeric: true,
                    value: (f: FileLine) => f.problemCount,
                    render: (f: FileLine) =>
                      f.problemCount === 0 ? (
                        '0'
                      ) : (
                        <details>
                          <summary>{f.problemCount}</summary>
                          <ul>
                            {f.problems.map((p, i) => (
                              <li key={i}>{p}</li>
                            ))}
                          </ul>
                        </details>
                      ),
                  },
                  { key: 'hash', label: 'SHA-256', value: (f: FileLine) => f.hash.slice(0, 16) },
                ]}
                rows={status.files}
                rowKey={(f: FileLine) => f.hash}
                searchable
                limit={200}
              />
            </>
          )}
        </Status>
      )}
    </section>
  );
}
