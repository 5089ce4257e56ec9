// The jobs HTTP API as the page uses it. Uploads go through XMLHttpRequest because fetch() has no
// upload progress events. Every request about a job carries its key (the upload's answer has it).

export interface JobView {
  id: string;
  state: "queued" | "running" | "done" | "failed" | "cancelled";
  error?: string;
  progress: Progress;
  result?: { url: string; contentType: string; size: number; frames: number; durationSeconds: number };
  /** In the upload's answer only. */
  key?: string;
}

export interface Progress {
  frames: number;
  totalFrames?: number;
  fps: number;
  etaSeconds?: number;
  percent: number;
}

export interface Upload {
  done: Promise<JobView>;
  abort: () => void;
}

/** The API answers errors as `{ error }`; anything else (a proxy page, nothing) gets a generic line. */
function reason(status: number, body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: unknown };
    if (typeof parsed.error === "string") return parsed.error;
  } catch {
    // not JSON
  }
  return status ? `the server answered ${status}` : "the server could not be reached";
}

export function uploadJob(form: FormData, onProgress: (fraction: number) => void): Upload {
  const xhr = new XMLHttpRequest();
  const done = new Promise<JobView>((resolve, reject) => {
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    };
    xhr.onload = () =>
      xhr.status === 201
        ? resolve(JSON.parse(xhr.responseText) as JobView)
        : reject(new Error(reason(xhr.status, xhr.responseText)));
    xhr.onerror = () => reject(new Error(reason(0, "")));
    xhr.onabort = () => reject(new Error("upload cancelled"));
  });
  xhr.open("POST", "/api/jobs");
  xhr.send(form);
  return { done, abort: () => xhr.abort() };
}

const withKey = (key: string | undefined): HeadersInit => (key ? { authorization: `Bearer ${key}` } : {});

export async function getJob(id: string, key: string | undefined): Promise<JobView> {
  const res = await fetch(`/api/jobs/${encodeURIComponent(id)}`, { headers: withKey(key) });
  const body = await res.text();
  if (!res.ok) throw new Error(reason(res.status, body));
  return JSON.parse(body) as JobView;
}

export async function cancelJob(id: string, key: string | undefined): Promise<void> {
  const res = await fetch(`/api/jobs/${encodeURIComponent(id)}`, { method: "DELETE", headers: withKey(key) });
  if (!res.ok) throw new Error(reason(res.status, await res.text()));
}
