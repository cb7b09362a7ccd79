/** The embedding API: codexmcp's tasks without MCP, and the server itself for custom transports. */
export { CodexTasks, type CodexTasksOptions, type WaitResult } from "./api.js";
export { loadSettings, type Settings, type SettingsOverrides } from "./config/settings.js";
export { createServer } from "./server/server.js";
export type { TaskRequest } from "./tasks/dispatch.js";
export type { EventsPage, PagedEvent } from "./tasks/events-page.js";
export { TaskManager } from "./tasks/manager.js";
export type { DispatchView, TaskView } from "./tasks/view.js";
export { VERSION } from "./version.js";
