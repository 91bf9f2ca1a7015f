/** Links between the pages, their text always a text node. */
import { href } from '../router';

export function AsLink({ asn, name }: { asn: number; name?: string }) {
  return (
    <a href={href('as', asn)}>
      AS{asn}
      {name ? ` ${name}` : ''}
    </a>
  );
}

export function CountryLink({ code }: { code: string }) {
  if (code === '') return <span class="muted">unknown</span>;
  return <a href={href('country', code)}>{code}</a>;
}

export function PrefixLink({ prefix }: { prefix: string }) {
  return <a href={href('prefix', prefix)}>{prefix}</a>;
}
