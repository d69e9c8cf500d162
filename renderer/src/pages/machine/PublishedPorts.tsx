// The container ports the host agent carries to this computer's localhost, and
// the ones it cannot (a host port already taken), each saying why.
import type { MachineInfo } from '../../../../app/api/contract';

/** A published container port, as the contract's machine status carries it. */
type ForwardedPort = NonNullable<NonNullable<MachineInfo['status']['agent']>['ports']>[number];

export function PublishedPorts({ ports }: { ports: ForwardedPort[] }) {
  if (!ports.length)
    return (
      <p className="muted">
        No container publishes a port. Ports a container publishes (docker run -p 8080:80) open here on localhost.
      </p>
    );
  return (
    <ul className="published-ports" data-testid="published-ports">
      {ports.map((p) => (
        <li key={`${p.hostPort}/${p.protocol}`}>
          {p.error ? (
            <span className="notice warn inline">
              {p.hostPort}/{p.protocol} → {p.container}:{p.containerPort}: {p.error}
            </span>
          ) : (
            <>
              <a className="port" href={`http://localhost:${p.hostPort}/`} target="_blank" rel="noopener noreferrer">
                localhost:{p.hostPort}
              </a>
              → {p.container}:{p.containerPort}/{p.protocol}
            </>
          )}
        </li>
      ))}
    </ul>
  );
}
