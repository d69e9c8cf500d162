import { render, screen } from '@testing-library/react';
import { PublishedPorts } from './PublishedPorts';

describe('published ports', () => {
  it('links each forwarded port to localhost and says why the others are not forwarded', () => {
    render(
      <PublishedPorts
        ports={[
          { hostPort: 8080, protocol: 'tcp', container: 'shop-web-1', containerPort: 80 },
          {
            hostPort: 5432,
            protocol: 'tcp',
            container: 'db',
            containerPort: 5432,
            error: 'port 5432 is already in use on this computer: stop what uses it, or publish another port',
          },
          {
            hostPort: 5353,
            protocol: 'udp',
            container: 'dns',
            containerPort: 53,
            error: 'UDP port 5353 is already in use on this computer: stop what uses it, or publish another port',
          },
        ]}
      />,
    );
    expect(screen.getByRole('link', { name: 'localhost:8080' }).getAttribute('href')).toBe('http://localhost:8080/');
    expect(screen.getAllByRole('link')).toHaveLength(1);
    expect(screen.getByText(/5432\/tcp → db:5432: port 5432 is already in use on this computer/)).toBeTruthy();
    expect(screen.getByText(/5353\/udp → dns:53: UDP port 5353 is already in use/)).toBeTruthy();
  });

  it('explains what will appear when nothing is published', () => {
    render(<PublishedPorts ports={[]} />);
    expect(screen.getByText(/open here on localhost/)).toBeTruthy();
  });
});
