// Opaque keyset cursor: base64url of "position|id" (the last row's exact timestamp and id).
const POSITION = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

export function encodeCursor(c: { position: string; id: number }): string {
  return btoa(`${c.position}|${c.id}`).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function decodeCursor(cursor: string): { position: string; id: number } | undefined {
  try {
    const [position, id] = atob(cursor.replace(/-/g, "+").replace(/_/g, "/")).split("|");
    const n = Number(id);
    if (!position || !POSITION.test(position) || !Number.isSafeInteger(n) || n < 1) return undefined;
    return { position, id: n };
  } catch {
    return undefined;
  }
}
