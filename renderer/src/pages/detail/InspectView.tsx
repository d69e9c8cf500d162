// The container's inspect JSON, readable and copyable.
import { useEffect, useState } from 'react';
import { ErrorBox } from '../../components/ErrorBox';
import { Loading } from '../../components/States';
import { useApi } from '../../lib/api-context';

export function InspectView({ id }: { id: string }) {
  const api = useApi();
  const [text, setText] = useState<string>();
  const [error, setError] = useState<Error>();
  const [copied, setCopied] = useState(false);
  useEffect(() => {
    api.invoke('container.inspect', { id }).then((j) => setText(JSON.stringify(j, null, 2)), setError);
  }, [api, id]);
  if (error) return <ErrorBox error={error} />;
  if (text === undefined) return <Loading what="inspect data" />;
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
    } catch {
      // Clipboard API refused (not focused, no permission): select the text instead.
      const range = document.createRange();
      range.selectNodeContents(document.querySelector('.inspect-json')!);
      window.getSelection()?.removeAllRanges();
      window.getSelection()?.addRange(range);
    }
    setCopied(true);
    setTimeout(() => setCopied(false), 1500);
  };
  return (
    <div className="inspect">
      <div className="toolbar">
        <button onClick={copy}>{copied ? 'Copied' : 'Copy JSON'}</button>
      </div>
      <pre className="inspect-json" data-testid="inspect-json">
        {highlight(text)}
      </pre>
    </div>
  );
}

/** Keys, strings and numbers in different colours (no HTML injection: React elements only). */
function highlight(json: string): React.ReactNode[] {
  const out: React.ReactNode[] = [];
  const re = /("(?:[^"\\]|\\.)*")(\s*:)?|\b(true|false|null)\b|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/g;
  let last = 0;
  let m: RegExpExecArray | null;
  let k = 0;
  while ((m = re.exec(json))) {
    if (m.index > last) out.push(json.slice(last, m.index));
    if (m[1]) {
      out.push(
        <span key={k++} className={m[2] ? 'j-key' : 'j-str'}>
          {m[1]}
        </span>,
      );
      if (m[2]) out.push(m[2]);
    } else
      out.push(
        <span key={k++} className={m[3] ? 'j-lit' : 'j-num'}>
          {m[0]}
        </span>,
      );
    last = re.lastIndex;
  }
  out.push(json.slice(last));
  return out;
}
