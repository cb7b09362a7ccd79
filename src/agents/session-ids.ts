/** Session ids that are UUIDs (Codex threads, Claude Code, Gemini CLI, Copilot, Qwen, Cursor). */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
