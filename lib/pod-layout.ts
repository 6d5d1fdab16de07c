/**
 * Paths and ports shared by the rendered files and objects. agent/README.md ("Pod layout",
 * "Supervisor protocol") is their contract with the agent, the supervisor script and the e2e suite.
 */

/** The `<name>-config` ConfigMap's mount in the postgres container. */
export const CONFIG_DIR = '/etc/pgha';
/** The shared in-memory emptyDir: supervisor protocol files and the Unix socket. */
export const RUN_DIR = '/run/pgha';
export const POSTGRES_PORT = 5432;
/** The agent's open API: probes, role checks, /metrics, the read-only /status. */
export const AGENT_API_PORT = 8008;
/** The agent's member API: mutual TLS, what the members decide with and steer each other by. */
export const AGENT_MEMBER_PORT = 8009;
