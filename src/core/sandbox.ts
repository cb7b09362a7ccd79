/** What the caller asks for; each agent driver maps it onto its own modes. */
export const SANDBOXES = ["read-only", "workspace-write", "full-access"] as const;
export type Sandbox = (typeof SANDBOXES)[number];

export const WRITE_SANDBOXES: readonly Sandbox[] = ["full-access", "workspace-write"];
