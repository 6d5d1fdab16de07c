#!/usr/bin/env node
// The command line's composition root: parse, run the command, print, and exit with
// 0 (done), 1 (the command failed or refused) or 2 (the command line is wrong).
import { USAGE, UsageError, parseArgs, PROGRAM, type Command } from './args';
import { readCluster } from './cluster-reads';
import { Kubectl } from './kubectl';
import { renderJson } from './render-json';
import { renderTable } from './render-table';
import { buildReport } from './report';
import { switchover } from './switchover';
import { Refusal } from './switchover-check';

async function run(command: Command): Promise<void> {
  switch (command.kind) {
    case 'help':
      process.stdout.write(command.text);
      return;
    case 'status': {
      const report = buildReport(await readCluster(new Kubectl(command.kube), command.name, command.namespace, { agentAccess: command.agentAccess, now: Date.now }));
      process.stdout.write(command.output === 'json' ? renderJson(report) : renderTable(report));
      return;
    }
    case 'switchover':
      return switchover(new Kubectl(command.kube), command, (line) => process.stdout.write(`${line}\n`));
  }
}

function main(argv: readonly string[]): Promise<number> {
  let command: Command;
  try {
    command = parseArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`error: ${error.message}\n\n${USAGE}`);
    return Promise.resolve(2);
  }
  return run(command).then(
    () => 0,
    (error: Error) => {
      process.stderr.write(`${error instanceof Refusal ? 'refused (nothing written)' : 'error'}: ${error.message}\n`);
      return 1;
    },
  );
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
}, (error: Error) => {
  process.stderr.write(`${PROGRAM}: ${error.stack ?? error.message}\n`);
  process.exitCode = 1;
});
