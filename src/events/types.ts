/**
 * What spool tells a person about: an agent's question, a dead-lettered task, a finished workflow, the
 * budget's warning and halt, a paused worker, the end-of-day report. Notifications (notify: in
 * spool.yaml) send them; notify.events picks which. A file of its own so that the config schema can
 * name them without importing the code that writes events (which reads the config).
 */
export const EVENT_TYPES = ['question', 'task_dead', 'workflow_done', 'budget_warning', 'budget_halted', 'worker_paused', 'report_ready', 'policy_violation'] as const;
export type EventType = (typeof EVENT_TYPES)[number];
