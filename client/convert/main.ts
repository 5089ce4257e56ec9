// The conversion page: pick a file and options, upload with progress, follow the conversion live,
// then preview and download the result. The job id and key are kept in the URL fragment
// (`#job=<id>&key=<key>`: a fragment never reaches a server, not even in a Referer) so a reload
// resumes watching the same job, and the key in localStorage for links that lost it.
import { styleLabels, styleNames } from "../../server/engine/styles.js";
import { cancelJob, getJob, type JobView, type Progress, type Upload, uploadJob } from "./api.js";
import { keyOf, rememberKey } from "./keys.js";
import { watchJob } from "./live.js";

function el<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`#${id} missing from the page`);
  return found as T;
}

const form = el<HTMLFormElement>("form");
// One radio per style the engine draws, the default checked.
el("styles").append(
  ...styleNames.map((s) => {
    const label = document.createElement("label");
    const radio = Object.assign(document.createElement("input"), { type: "radio", name: "style", value: s });
    radio.checked = s === "pencil";
    label.append(radio, ` ${styleLabels[s]}`);
    return label;
  }),
);
const drop = el<HTMLLabelElement>("drop");
const fileInput = el<HTMLInputElement>("file");
const fileName = el("file-name");
const detail = el<HTMLInputElement>("detail");
const detailValue = el<HTMLOutputElement>("detail-value");
const start = el<HTMLButtonElement>("start");
const cancel = el<HTMLButtonElement>("cancel");
const status = el("status");
const uploadBar = el<HTMLProgressElement>("upload-bar");
const uploadText = el("upload-text");
const convertBar = el<HTMLProgressElement>("convert-bar");
const convertText = el("convert-text");
const errorLine = el("error");
const result = el("result");
const video = el<HTMLVideoElement>("result-video");
const image = el<HTMLImageElement>("result-image");
const download = el<HTMLAnchorElement>("download");

let file: File | undefined;
let upload: Upload | undefined;
let jobId: string | undefined;
let jobKey: string | undefined;

function formatBytes(bytes: number): string {
  return bytes < 2 ** 20 ? `${Math.ceil(bytes / 1024)} KiB` : `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

function setBusy(busy: boolean): void {
  start.disabled = busy || !file;
  cancel.hidden = !busy;
  for (const input of form.querySelectorAll<HTMLInputElement | HTMLSelectElement>("input, select")) {
    input.disabled = busy;
  }
}

function showError(message: string): void {
  errorLine.textContent = message;
  errorLine.hidden = false;
  status.hidden = false;
}

function chooseFile(picked: File | undefined): void {
  file = picked;
  fileName.textContent = picked
    ? `${picked.name} · ${formatBytes(picked.size)}`
    : "Drop a video or image here";
  drop.classList.toggle("chosen", Boolean(picked));
  start.disabled = !picked;
}

function showProgress(p: Progress & { state: JobView["state"] }): void {
  convertBar.value = p.percent;
  if (p.state === "queued") {
    convertText.textContent = "queued";
    return;
  }
  const parts = [p.totalFrames ? `${p.frames} / ${p.totalFrames} frames` : `${p.frames} frames`];
  if (p.fps > 0) parts.push(`${p.fps.toFixed(1)} fps`);
  if (p.etaSeconds !== undefined && p.frames > 0) parts.push(`${Math.ceil(p.etaSeconds)} s left`);
  convertText.textContent = parts.join(" · ");
}

function showResult(job: JobView): void {
  if (!job.result) return;
  const still = job.result.contentType.startsWith("image/");
  // A query string per job keeps the browser from showing a cached result of a deleted job.
  const src = `${job.result.url}${job.result.url.includes("?") ? "&" : "?"}v=${job.id}`;
  video.hidden = still;
  image.hidden = !still;
  if (still) image.src = src;
  else video.src = src;
  download.href = job.result.url;
  result.hidden = false;
  convertBar.value = 100;
  convertText.textContent = `done · ${job.result.frames} frames · ${formatBytes(job.result.size)}`;
}

function follow(id: string, key: string | undefined): void {
  jobId = id;
  jobKey = key;
  if (key) rememberKey(id, key);
  history.replaceState(null, "", `#${new URLSearchParams(key ? { job: id, key } : { job: id })}`);
  status.hidden = false;
  setBusy(true);
  watchJob(id, key, {
    progress: showProgress,
    done: (job) => {
      setBusy(false);
      showResult(job);
    },
    failed: (job) => {
      setBusy(false);
      convertText.textContent = job.state;
      showError(
        job.state === "cancelled"
          ? "Conversion cancelled."
          : `Conversion failed: ${job.error ?? "unknown reason"}`,
      );
    },
  });
}

function reset(): void {
  watchJob(undefined);
  jobId = undefined;
  jobKey = undefined;
  errorLine.hidden = true;
  result.hidden = true;
  video.removeAttribute("src");
  video.load();
  uploadBar.value = 0;
  convertBar.value = 0;
  uploadText.textContent = "—";
  convertText.textContent = "waiting";
}

form.addEventListener("submit", async (e) => {
  e.preventDefault();
  if (!file) return;
  reset();
  // Fields before the file, so the server knows the options before the bytes arrive.
  const data = new FormData(form);
  data.delete("file");
  data.set("temporal", String(el<HTMLInputElement>("temporal").checked));
  data.append("file", file, file.name);
  status.hidden = false;
  setBusy(true);
  upload = uploadJob(data, (f) => {
    uploadBar.value = f * 100;
    uploadText.textContent = `${Math.round(f * 100)} %`;
  });
  try {
    const job = await upload.done;
    uploadBar.value = 100;
    uploadText.textContent = "done";
    follow(job.id, job.key);
  } catch (err) {
    setBusy(false);
    showError((err as Error).message);
  } finally {
    upload = undefined;
  }
});

cancel.addEventListener("click", async () => {
  if (upload) return upload.abort();
  if (!jobId) return;
  cancel.disabled = true;
  try {
    await cancelJob(jobId, jobKey);
  } catch (err) {
    showError((err as Error).message);
  } finally {
    cancel.disabled = false;
  }
});

fileInput.addEventListener("change", () => chooseFile(fileInput.files?.[0]));
detail.addEventListener("input", () => {
  detailValue.textContent = Number(detail.value).toFixed(2);
});
for (const type of ["dragenter", "dragover"]) {
  drop.addEventListener(type, (e) => {
    e.preventDefault();
    drop.classList.add("over");
  });
}
for (const type of ["dragleave", "drop"]) drop.addEventListener(type, () => drop.classList.remove("over"));
drop.addEventListener("drop", (e) => {
  e.preventDefault();
  chooseFile(e.dataTransfer?.files[0]);
});

// Reopened with #job=<id>&key=<key> (or only the id, whose key this browser kept): show that job again.
const fromHash = new URLSearchParams(location.hash.slice(1));
const hashId = fromHash.get("job");
if (hashId) {
  const key = fromHash.get("key") ?? keyOf(hashId);
  getJob(hashId, key).then(
    (job) => {
      uploadBar.value = 100;
      uploadText.textContent = "done";
      follow(job.id, key);
    },
    (err: Error) => showError(err.message),
  );
}
