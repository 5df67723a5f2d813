/** Serves the built panel, /ort/ and /models/tiny-sd/ (default port 5174 on 127.0.0.1). */
export function startPanelServer(options?: { port?: number; host?: string; panelDir?: string }): Promise<{ url: string; port: number; close(): Promise<void> }>;
