// Runs inside a member's agent container (kubectl exec), under that container's libfaketime, with the
// wall-clock offset in the file FAKETIME_TIMESTAMP_FILE names: a TLS handshake with another member's
// port 8009, verifying its certificate against the members' CA as the agent's peer client does, on that
// offset clock. Sends no client certificate, so a server certificate accepted ends in the server's
// `certificate required` alert; one refused by this clock ends in the client's own verify error
// (CERT_NOT_YET_VALID, CERT_HAS_EXPIRED). Prints one JSON line: the clock it ran on and the outcome.
// usage: node skew-tls-probe.mjs HOST PORT CA_PEM_BASE64
import { connect } from 'node:tls';

const [host, port, caBase64] = process.argv.slice(2);
const clock = new Date().toISOString();
const socket = connect({
  host,
  port: Number(port),
  ca: Buffer.from(caBase64, 'base64').toString('utf8'),
  // The agent checks the certificate's common name itself; this probe is about validity in time only.
  checkServerIdentity: () => undefined,
});
let reported = false;
const done = (outcome) => {
  if (reported) return;
  reported = true;
  console.log(JSON.stringify({ clock, outcome }));
  socket.destroy();
};
// TLS 1.3: the client has verified the server's certificate before the server reads the client's.
socket.on('secureConnect', () => socket.once('data', () => done('server-certificate-accepted')));
socket.on('error', (error) => done(error.code === 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED' ? 'server-certificate-accepted' : (error.code ?? error.message)));
socket.on('end', () => done('server-certificate-accepted'));
socket.setTimeout(5000, () => done('timeout'));
