// When archiving falls behind, a person must hear of it before pg_wal fills the volume: PostgreSQL keeps
// every segment it could not archive. The agent checks once a minute and tells it as a Warning Event on
// its pod (`kubectl get events`), at most once per interval while it lasts.
import type { WalResult } from './wal-server';

export interface ArchiveStatus {
  /** Completed segments and history files PostgreSQL has not archived yet (.ready files). */
  readonly backlog: number;
  readonly archived: number;
  readonly failures: number;
  readonly lastArchived: { readonly name: string; readonly at: string } | null;
  readonly lastFailure: { readonly name: string; readonly error: string; readonly at: string } | null;
}

/** A Warning is due when archiving is failing (the last attempt failed) and files wait. */
export const WARNING_INTERVAL_MS = 10 * 60_000;

export function archiveStatus(
  backlog: number,
  stats: { archived: number; archiveFailures: number; lastArchived: WalResult | null; lastFailure: WalResult | null },
): ArchiveStatus {
  return {
    backlog,
    archived: stats.archived,
    failures: stats.archiveFailures,
    lastArchived: stats.lastArchived ? { name: stats.lastArchived.name, at: stats.lastArchived.at.toISOString() } : null,
    lastFailure: stats.lastFailure
      ? { name: stats.lastFailure.name, error: stats.lastFailure.detail, at: stats.lastFailure.at.toISOString() }
      : null,
  };
}

/** The Warning's message, or null when none is due (archiving works, nothing waits, or one was sent recently). */
export function backlogWarning(status: ArchiveStatus, nowMs: number, lastWarnedAtMs: number | null): string | null {
  const { lastFailure, lastArchived } = status;
  const failing = lastFailure !== null && (lastArchived === null || lastFailure.at > lastArchived.at);
  if (!failing || status.backlog === 0) return null;
  if (lastWarnedAtMs !== null && nowMs - lastWarnedAtMs < WARNING_INTERVAL_MS) return null;
  return `WAL archiving is failing: ${status.backlog} file(s) wait in pg_wal and are kept until archived; `
    + `last error (${lastFailure.name}): ${lastFailure.error}`;
}
