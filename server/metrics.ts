// The one Prometheus registry `GET /metrics` serves. Features add their own counters and histograms
// to it: `new Counter({ name: "sketchcast_…", help, registers: [metrics] })`.
import { collectDefaultMetrics, Registry } from "prom-client";

export const metrics = new Registry();
collectDefaultMetrics({ register: metrics });
