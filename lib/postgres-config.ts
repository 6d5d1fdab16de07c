import { StandbyMode } from './modes';
import { CONFIG_DIR, POSTGRES_PORT, RUN_DIR } from './pod-layout';
import { MAX_REPLICAS } from './settings';

/** The replication user, fixed because pg_hba.conf names it. */
export const REPLICATION_USER = 'replicator';

/**
 * Parameters the cluster sets itself: replication, failover, the pod layout or the agent depend on
 * them. Matched case-insensitively, as PostgreSQL does.
 */
const OWNED_PARAMETERS = new Set([
  'listen_addresses', 'port', 'unix_socket_directories', 'unix_socket_permissions',
  'hba_file', 'ident_file', 'config_file', 'data_directory', 'password_encryption',
  'wal_level', 'wal_log_hints', 'hot_standby', 'max_wal_senders', 'max_replication_slots',
  'primary_conninfo', 'primary_slot_name', 'synchronous_standby_names',
  'restore_command', 'promote_trigger_file',
  'include', 'include_dir', 'include_if_exists',
]);
const OWNED_PREFIXES = ['recovery_target', 'archive_', 'ssl'];

/** PostgreSQL's own grammar for names in postgresql.conf: an identifier, or `extension.identifier`. */
const PARAMETER_NAME = /^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$/;

/**
 * Checks the user's `parameters` and returns them with lowercase names (PostgreSQL's names are
 * case-insensitive, so `Work_Mem` overrides `work_mem`), sorted by name so the rendered file does not
 * depend on the order the keys were written in.
 */
export function validateParameters(parameters: { [name: string]: string }): Map<string, string> {
  const byName = new Map<string, [string, string]>();
  for (const [given, value] of Object.entries(parameters)) {
    const name = given.toLowerCase();
    if (!PARAMETER_NAME.test(name)) {
      throw new Error(`parameters: "${given}" is not a valid PostgreSQL parameter name `
        + '(letters, digits and \'_\', starting with a letter or \'_\'; extension parameters take one \'.\', '
        + 'as in auto_explain.log_min_duration)');
    }
    if (OWNED_PARAMETERS.has(name) || OWNED_PREFIXES.some((prefix) => name.startsWith(prefix))) {
      throw new Error(`parameters: "${given}" is set by cdk8s-postgres-ha (replication and failover depend on it) `
        + 'and cannot be overridden');
    }
    if (/[\r\n]/.test(value)) {
      throw new Error(`parameters: the value of "${given}" contains a line break; `
        + 'a postgresql.conf value must fit on one line');
    }
    const earlier = byName.get(name);
    if (earlier) {
      throw new Error(`parameters: "${earlier[0]}" and "${given}" name the same parameter `
        + '(PostgreSQL parameter names are case-insensitive); give it once');
    }
    byName.set(name, [given, value]);
  }
  return new Map([...byName.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, [, value]]) => [name, value]));
}

/** What postgresql.conf depends on. */
export interface PostgresConfOptions {
  readonly name: string;
  readonly replicas: number;
  readonly standbyMode: StandbyMode;
  /** The volume's size in MiB. */
  readonly storageMebibytes: number;
  /** Validated by `validateParameters`. */
  readonly parameters: Map<string, string>;
  /** `ssl` and the files of the TLS source (lib/tls.ts). */
  readonly tlsParameters: ReadonlyArray<[string, string]>;
  /** archive_mode, archive_command and archive_timeout when the WAL is archived. */
  readonly archiveParameters?: ReadonlyArray<[string, string]>;
}

/**
 * postgresql.conf: tuning defaults, then the user's parameters (which replace defaults of the same
 * name), then the parameters the cluster owns, then the file the agent writes at run time.
 */
/** Four WAL segments of the default 16 MB. */
const MIN_WAL_BUDGET_MB = 64;

export function renderPostgresqlConf(options: PostgresConfOptions): string {
  const hot = options.standbyMode === StandbyMode.HOT;
  // A quarter of the volume: WAL kept for standbys must not fill the disk, which would stop the
  // primary. But never less than four 16 MB WAL segments: PostgreSQL counts this budget in whole
  // segments, and below one segment every checkpoint invalidates the slots (and kills a running
  // pg_basebackup's WAL stream). Volumes that small (the seed's 50Mi) are for trying things out only.
  const walBudgetMb = Math.max(MIN_WAL_BUDGET_MB, Math.floor(options.storageMebibytes / 4));
  const defaults: Array<[string, string]> = [
    // Lets a standby that reconnects, or a former primary being rewound, find the WAL it misses in
    // the primary's pg_wal even before the new primary made its replication slot.
    ['wal_keep_size', `'${Math.min(128, walBudgetMb)}MB'`],
    // Replication slots hold WAL for absent standbys; past this the slot is invalidated and the
    // standby re-cloned, instead of the primary's disk filling up.
    ['max_slot_wal_keep_size', `'${walBudgetMb}MB'`],
    // Standbys report their positions every second, so the lag the agent sees is at most 1 s old.
    ['wal_receiver_status_interval', '\'1s\''],
    // Notice a dead peer in about a lease duration instead of the 60 s default.
    ['wal_sender_timeout', '\'10s\''],
    ['wal_receiver_timeout', '\'10s\''],
    // Hot standbys ask the primary to keep rows their queries still read, instead of cancelling them.
    ...(hot ? [['hot_standby_feedback', 'on'] as [string, string]] : []),
    // After a crash PostgreSQL first fsyncs every file of the data directory, one by one (over a second
    // on a small cluster here, minutes on a large one), before recovery can start; one syncfs() of the
    // volume does the same at once. A restarted primary serves that much sooner. Linux reports syncfs
    // errors since 5.8.
    ['recovery_init_sync_method', '\'syncfs\''],
    ['log_line_prefix', '\'%m [%p] %q%u@%d \''],
  ];
  const tuning = defaults.filter(([name]) => !options.parameters.has(name));
  const user = [...options.parameters].map(([name, value]) => [name, quote(value)] as [string, string]);
  // One slot per standby, plus room for a clone (pg_basebackup takes two senders) and a pg_rewind while
  // members rejoin.
  const slots = String(options.replicas + 4);
  // WAL senders for the most members a cluster may have, whatever `replicas` says: a standby refuses to
  // start when its max_wal_senders is below its primary's, so a value that followed `replicas` would stop
  // the first member rolled to a lower `replicas` (scaling down) while the old primary still ran.
  const senders = String(MAX_REPLICAS + 4);
  const owned: Array<[string, string]> = [
    ['listen_addresses', '\'*\''],
    ['port', String(POSTGRES_PORT)],
    ['unix_socket_directories', `'${RUN_DIR}/socket'`],
    ['unix_socket_permissions', '0700'],
    ['hba_file', `'${CONFIG_DIR}/pg_hba.conf'`],
    ['password_encryption', '\'scram-sha-256\''],
    ['wal_level', '\'replica\''],
    // pg_rewind needs it to bring a former primary back as a standby without a full clone.
    ['wal_log_hints', 'on'],
    ['hot_standby', hot ? 'on' : 'off'],
    ['max_wal_senders', senders],
    ['max_replication_slots', slots],
    ...(options.archiveParameters ?? [['archive_mode', 'off'] as [string, string]]),
    ['recovery_target_timeline', '\'latest\''],
    ...options.tlsParameters,
  ];
  return [
    `# postgresql.conf of the PostgreSQL cluster "${options.name}", rendered by cdk8s-postgres-ha.`,
    '# Change the construct\'s props and render again instead of editing it in place.',
    '',
    '# Defaults; the `parameters` prop overrides them by name.',
    ...settings(tuning),
    ...(user.length > 0 ? ['', '# From the `parameters` prop.', ...settings(user)] : []),
    '',
    '# Owned by the cluster: replication and failover depend on these.',
    ...settings(owned),
    '',
    '# Written by the failover agent at run time: primary_conninfo, primary_slot_name and',
    '# synchronous_standby_names. Included last, so it has the final word.',
    `include_if_exists = '${RUN_DIR}/dynamic.conf'`,
    '',
  ].join('\n');
}

/**
 * pg_hba.conf: who may connect, from where, and how they authenticate. With TLS on, network lines are
 * `hostssl`: a plaintext connection matches no line and is refused.
 */
export function renderPgHba(name: string, networkType: 'host' | 'hostssl'): string {
  const type = networkType.padEnd(7);
  return [
    `# pg_hba.conf of the PostgreSQL cluster "${name}", rendered by cdk8s-postgres-ha.`,
    '',
    `# The Unix socket lives in ${RUN_DIR}/socket, in a pod-private emptyDir with mode 0700: only`,
    '# processes of this pod running as uid 999 (the supervisor and the agent) can reach it.',
    'local   all           all          trust',
    '# Base backups: the supervisor runs pg_basebackup over the socket.',
    'local   replication   postgres     trust',
    '',
    `# Everything over the network authenticates with SCRAM${networkType === 'hostssl' ? ', over TLS only' : ''}. The address "all" matches IPv4 and IPv6.`,
    '# Streaming replication and pg_basebackup from the other members:',
    `${type} replication   ${REPLICATION_USER}   all   scram-sha-256`,
    '# Applications, and pg_rewind (a regular connection to the new primary):',
    `${type} all           all          all   scram-sha-256`,
    '',
  ].join('\n');
}

function settings(entries: Array<[string, string]>): string[] {
  return entries.map(([name, value]) => `${name} = ${value}`);
}

/**
 * A postgresql.conf string literal. Inside quotes PostgreSQL reads `''` as a quote and processes
 * backslash escapes, so both are doubled to keep the value as given.
 */
function quote(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, '\'\'')}'`;
}
