// The keys of this browser's jobs (POST /api/jobs hands each out once; without it the server answers
// 404). Kept in localStorage so a link or tab that has only `#job=<id>` still opens the job; the
// newest are kept, as many as one list request may present.
const STORE = "sketchcast.jobKeys";
const MAX_KEPT = 200;

function load(): Record<string, string> {
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(STORE) ?? "{}");
    return parsed && typeof parsed === "object" ? (parsed as Record<string, string>) : {};
  } catch {
    return {};
  }
}

export function rememberKey(id: string, key: string): void {
  const kept = Object.entries(load()).filter(([other]) => other !== id);
  kept.push([id, key]);
  try {
    localStorage.setItem(STORE, JSON.stringify(Object.fromEntries(kept.slice(-MAX_KEPT))));
  } catch {
    // Storage full or disabled: the key still travels in the URL fragment.
  }
}

export function keyOf(id: string): string | undefined {
  const key = load()[id];
  return typeof key === "string" ? key : undefined;
}
