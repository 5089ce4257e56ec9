// A room name that is easy to say and to type: adjective-noun-number, e.g. "quiet-heron-42".
const adjectives = [
  "amber",
  "brisk",
  "calm",
  "clever",
  "cosy",
  "dusty",
  "early",
  "gentle",
  "golden",
  "hazy",
  "humble",
  "lively",
  "lucky",
  "mellow",
  "misty",
  "nimble",
  "plain",
  "quiet",
  "rapid",
  "silver",
  "sunny",
  "swift",
  "tidy",
  "velvet",
  "warm",
  "wild",
];
const nouns = [
  "badger",
  "birch",
  "brook",
  "cedar",
  "comet",
  "crane",
  "dune",
  "ember",
  "fern",
  "finch",
  "harbor",
  "heron",
  "lark",
  "maple",
  "meadow",
  "otter",
  "pebble",
  "pine",
  "quill",
  "raven",
  "river",
  "sparrow",
  "thistle",
  "walnut",
  "willow",
  "wren",
];

function pick<T>(list: readonly T[]): T {
  const n = crypto.getRandomValues(new Uint32Array(1))[0] as number;
  return list[n % list.length] as T;
}

export function randomRoomName(): string {
  const n = (crypto.getRandomValues(new Uint32Array(1))[0] as number) % 90;
  return `${pick(adjectives)}-${pick(nouns)}-${n + 10}`;
}
