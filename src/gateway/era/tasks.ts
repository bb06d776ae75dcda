/**
 * Tasks in both eras: 2025-11-25 has them in the core protocol (a `task`-augmented request answers
 * `{ task: { taskId, … } }`; `tasks/get`, `tasks/result`, `tasks/list`, `tasks/cancel`), 2026-07-28 moved them
 * to the `io.modelcontextprotocol/tasks` extension (SEP-2663: the server decides, a request whose client
 * declared the extension may be answered `{ resultType: "task", taskId, … }`; `tasks/get`, `tasks/update`,
 * `tasks/cancel`; no `tasks/result`, no `tasks/list`).
 *
 * The gateway relays each era's tasks to a server of the same era. A task id is bound to the session that
 * created it (for a 2026-07-28 client: its principal's per-request state), so another caller who learns or
 * guesses the id is answered as for an unknown task; on a pool, to the member that runs it.
 */
export const TASKS_EXTENSION = 'io.modelcontextprotocol/tasks';

/** The id of the task a result created, in either era's shape; undefined when it created none. */
export function createdTaskId(result: unknown): string | undefined {
  if (!result || typeof result !== 'object') return undefined;
  const r = result as Record<string, unknown>;
  if (r.resultType === 'task') return typeof r.taskId === 'string' && r.taskId ? r.taskId : undefined;
  const task = r.task as Record<string, unknown> | undefined;
  return task && typeof task === 'object' && typeof task.taskId === 'string' && task.taskId ? task.taskId : undefined;
}
