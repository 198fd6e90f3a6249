/**
 * The smallest XMPP client the relay bench needs, on raw TCP with no XML library (so the
 * load process is not the bottleneck): open a stream, authenticate with SASL ANONYMOUS,
 * bind a resource, send `<message>`s and read the bodies of the ones that arrive. Only for
 * the ejabberd configuration bench/lib/ejabberd.ts writes (no TLS, no stream features but
 * SASL and bind).
 */
import { connect, type Socket } from 'node:net';

export interface XmppClient {
  /** The full JID bound for this stream. */
  jid: string;
  send(to: string, body: string): void;
  onBody(handler: (body: string) => void): void;
  close(): Promise<void>;
}

const streamOpen = "<?xml version='1.0'?><stream:stream to='localhost' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>";
const bodyPattern = /<message\b[^>]*>(?:(?!<\/message>)[\s\S])*?<body>([^<]*)<\/body>(?:(?!<\/message>)[\s\S])*<\/message>/g;

export function xmppClient(port: number): Promise<XmppClient> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(port, '127.0.0.1');
    let buffer = '';
    let step: 'features' | 'auth' | 'features again' | 'bind' | 'ready' = 'features';
    let bodyHandler: (body: string) => void = () => undefined;
    socket.setNoDelay(true);
    socket.on('error', reject);
    socket.on('connect', () => socket.write(streamOpen));
    socket.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      if (step === 'ready') {
        let last = 0;
        for (const match of buffer.matchAll(bodyPattern)) {
          bodyHandler(match[1]!);
          last = match.index + match[0].length;
        }
        buffer = buffer.slice(last);
        return;
      }
      if (step === 'features' && buffer.includes('</stream:features>')) {
        step = 'auth';
        buffer = '';
        socket.write("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='ANONYMOUS'/>");
      } else if (step === 'auth' && buffer.includes('<success')) {
        step = 'features again';
        buffer = '';
        socket.write(streamOpen);
      } else if (step === 'auth' && buffer.includes('<failure')) {
        reject(new Error(`SASL ANONYMOUS refused: ${buffer}`));
      } else if (step === 'features again' && buffer.includes('</stream:features>')) {
        step = 'bind';
        buffer = '';
        socket.write("<iq type='set' id='bind'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>");
      } else if (step === 'bind') {
        const jid = /<jid>([^<]+)<\/jid>/.exec(buffer)?.[1];
        if (!jid) return;
        step = 'ready';
        buffer = '';
        resolve({
          jid,
          send: (to, body) => socket.write(`<message to='${to}' type='chat'><body>${body}</body></message>`),
          onBody: (handler) => (bodyHandler = handler),
          close: () =>
            new Promise<void>((done) => {
              socket.once('close', () => done());
              socket.end('</stream:stream>');
              setTimeout(() => socket.destroy(), 1_000).unref();
            }),
        });
      }
    });
  });
}
