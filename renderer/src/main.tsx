import { createRoot } from 'react-dom/client';
import { useEffect, useState } from 'react';
import { App } from './App';
import { connect } from './lib/transport';
import './styles.css';

let setLost: (why: string) => void = () => undefined;
const api = connect((why) => setLost(why));

function Root() {
  const [lost, set] = useState<string>();
  useEffect(() => {
    setLost = set;
  }, []);
  return <App api={api} lost={lost} />;
}

createRoot(document.getElementById('root')!).render(<Root />);
