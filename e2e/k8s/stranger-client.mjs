// Runs inside the `stranger` pod of the stranger scenario (node:24-alpine, a pod of the namespace that is
// not a member). It tries everything that steers an agent, the way a stranger would: on the open port
// (8008, plain HTTP) and on the member port (8009) without a client certificate and with a forged one
// naming a member (signed by a CA of its own, /stranger/forged.*). It never verifies the servers: it
// only wants to be heard.
//   once <member>...: every attempt once against each member, one JSON line per attempt
//   loop <member>...: POST /failsafe?from=<each member> to every other member, again and again; every
//                     second a JSON line with the attempts so far by outcome
import dns from 'node:dns';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';

const [mode, ...members] = process.argv.slice(2);
const podsService = process.env.PODS_SERVICE;
const forged = { cert: fs.readFileSync('/stranger/forged.crt'), key: fs.readFileSync('/stranger/forged.key') };
const host = (member) => `${member}.${podsService}`;

/**
 * The members' addresses, each looked up at most once a second and retried while the DNS server fails
 * (EAI_AGAIN): the loop sends hundreds of requests a second, and a lookup for each flooded CoreDNS on
 * these 2 cores until lookups failed, which proves nothing about the agents. A pod re-created by a
 * failover gets a new address, so nothing is kept longer than that second.
 */
const resolved = new Map();
function cachedLookup(hostname, options, callback) {
  const answer = ({ address, family }) => (options.all ? callback(null, [{ address, family }]) : callback(null, address, family));
  const hit = resolved.get(hostname);
  if (hit && Date.now() - hit.at < 1000) return answer(hit);
  const tryLookup = (left) => dns.lookup(hostname, { family: 4 }, (error, address, family) => {
    if (error && error.code === 'EAI_AGAIN' && left > 0) return setTimeout(() => tryLookup(left - 1), 200);
    if (error) return callback(error);
    const entry = { address, family, at: Date.now() };
    resolved.set(hostname, entry);
    answer(entry);
  });
  tryLookup(25);
}

/** The HTTP status, or the error code that ended the attempt (a TLS alert, a reset). */
function attempt(member, credential, method, path) {
  return new Promise((resolve) => {
    const open = credential === 'open';
    const options = {
      host: host(member),
      lookup: cachedLookup,
      port: open ? 8008 : 8009,
      method,
      path,
      agent: false,
      rejectUnauthorized: false,
      ...(credential === 'forged' ? forged : {}),
    };
    const timer = setTimeout(() => {
      request.destroy();
      resolve('no answer in 2 s');
    }, 2000);
    const request = (open ? http : https).request(options, (response) => {
      clearTimeout(timer);
      response.destroy();
      resolve(String(response.statusCode));
    });
    request.on('error', (error) => {
      clearTimeout(timer);
      resolve(error.code ?? error.message);
    });
    request.end();
  });
}

/**
 * An attempt asked again while it ends inconclusively: no answer in time (a member busy on a loaded
 * machine) or a failed lookup says nothing about whether the member would have heard it.
 */
async function conclusive(member, credential, method, path) {
  let outcome = '';
  for (let i = 0; i < 5; i++) {
    outcome = await attempt(member, credential, method, path);
    if (outcome !== 'no answer in 2 s' && outcome !== 'EAI_AGAIN' && outcome !== 'ENOTFOUND') return outcome;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  return outcome;
}

const REQUESTS = [['POST', (m) => `/failsafe?from=${m}`], ['POST', () => '/wake'], ['GET', () => '/watch'], ['GET', () => '/status']];

if (mode === 'once') {
  for (const member of members) {
    const other = members.find((m) => m !== member);
    for (const credential of ['open', 'no-cert', 'forged']) {
      for (const [method, path] of REQUESTS) {
        if (credential === 'open' && path(other) === '/status') continue; // the open read-only view
        const request = `${method} ${path(other)}`;
        console.log(JSON.stringify({ member, port: credential === 'open' ? 8008 : 8009, credential, request, outcome: await conclusive(member, credential, method, path(other)) }));
      }
    }
  }
} else if (mode === 'loop') {
  const outcomes = {};
  let attempts = 0;
  setInterval(() => console.log(JSON.stringify({ at: new Date().toISOString(), attempts, outcomes })), 1000);
  for (;;) {
    await Promise.all(members.flatMap((member) => members.filter((m) => m !== member).flatMap((from) =>
      ['open', 'no-cert', 'forged'].map(async (credential) => {
        const outcome = await attempt(member, credential, 'POST', `/failsafe?from=${from}`);
        const key = `${credential === 'open' ? 8008 : 8009} ${credential} ${outcome}`;
        outcomes[key] = (outcomes[key] ?? 0) + 1;
        attempts++;
      }))));
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
} else {
  console.error(`usage: stranger-client.mjs once|loop <member>...`);
  process.exit(2);
}
