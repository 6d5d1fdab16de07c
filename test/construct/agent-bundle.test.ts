import * as path from 'path';

const ROOT = path.join(__dirname, '..', '..');

/** Loads lib/agent-bundle in a module registry of its own, over a fake file system. */
function loadWith(files: Record<string, string>) {
  const readFileSync = jest.fn((file: string) => Buffer.from(files[file]));
  let loader: typeof import('../../lib/agent-bundle') | undefined;
  jest.isolateModules(() => {
    jest.doMock('fs', () => ({ existsSync: (file: string) => file in files, readFileSync }));
    loader = require('../../lib/agent-bundle');
  });
  return { loader: loader!, readFileSync };
}

describe('agent files', () => {
  const bundlePath = path.join(ROOT, 'build', 'agent', 'agent.js.gz');
  const supervisorPath = path.join(ROOT, 'agent', 'supervisor.sh');

  test('reads the compressed agent bundle from build/agent/agent.js.gz, once, base64-encoded for binaryData', () => {
    const { loader, readFileSync } = loadWith({ [bundlePath]: 'bundle' });
    expect(loader.compressedAgentBundle()).toBe(Buffer.from('bundle').toString('base64'));
    expect(loader.compressedAgentBundle()).toBe(Buffer.from('bundle').toString('base64'));
    expect(readFileSync).toHaveBeenCalledTimes(1);
  });

  test('reads the supervisor script from agent/supervisor.sh', () => {
    expect(loadWith({ [supervisorPath]: '#!/bin/bash' }).loader.supervisorScript()).toBe('#!/bin/bash');
  });

  test('fails when the agent bundle was not built', () => {
    expect(() => loadWith({}).loader.compressedAgentBundle()).toThrow(new Error(
      `agent bundle not found at ${bundlePath}: run "npm run build:agent"`,
    ));
  });

  test('fails when the supervisor script is missing', () => {
    expect(() => loadWith({}).loader.supervisorScript()).toThrow(new Error(
      `supervisor script not found at ${supervisorPath}: the package is incomplete`,
    ));
  });
});
