// Draws the sketch with its paper keyed out: WebRTC video has no alpha, so each pixel's distance from
// white paper becomes the stroke's opacity (in a shader), and soft line edges stay soft. The stroke
// keeps its own colour (colour-to-alpha over white: black for pencil, ink and charcoal, the strokes'
// colours for colored pencil), or takes the one `ink` colour asked for.

const vertexShader = `
attribute vec2 corner;
varying vec2 uv;
void main() {
  uv = vec2((corner.x + 1.0) * 0.5, (1.0 - corner.y) * 0.5);
  gl_Position = vec4(corner, 0.0, 1.0);
}`;

// Paper arrives a few levels under white after VP8 coding: from `paperLevel` up is fully clear.
// A pixel is paper × (1 − ink) + colour × ink; its most inked channel gives ink = 1 − min(rgb), and
// the colour is what over white paper gives the pixel back.
const fragmentShader = `
precision mediump float;
uniform sampler2D frame;
uniform vec3 ink;
uniform float ownColour;
uniform float keyed;
varying vec2 uv;
const float paperLevel = 0.94;
void main() {
  vec3 c = texture2D(frame, uv).rgb;
  float m = min(min(c.r, c.g), c.b);
  float a = clamp((paperLevel - m) / paperLevel, 0.0, 1.0);
  vec3 own = clamp(1.0 - (1.0 - c) / max(1.0 - m, 0.001), 0.0, 1.0);
  vec3 stroke = ownColour > 0.5 ? own : ink;
  gl_FragColor = keyed > 0.5 ? vec4(stroke * a, a) : vec4(mix(vec3(1.0), stroke, a), 1.0);
}`;

/** A CSS colour as 0..1 RGB (anything the browser understands; unknown ones are black). */
export function cssColor(css: string): [number, number, number] {
  const c = document.createElement("canvas").getContext("2d");
  if (!c) return [0, 0, 0];
  c.fillStyle = "#000";
  c.fillStyle = css;
  c.fillRect(0, 0, 1, 1);
  const [r = 0, g = 0, b = 0] = c.getImageData(0, 0, 1, 1).data;
  return [r / 255, g / 255, b / 255];
}

function compile(gl: WebGLRenderingContext, type: number, source: string): WebGLShader {
  const s = gl.createShader(type);
  if (!s) throw new Error("WebGL: no shader");
  gl.shaderSource(s, source);
  gl.compileShader(s);
  if (!gl.getShaderParameter(s, gl.COMPILE_STATUS)) throw new Error(`WebGL: ${gl.getShaderInfoLog(s)}`);
  return s;
}

export class PaperKey {
  private readonly gl: WebGLRenderingContext;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    /** ink: every stroke in this colour (0..1 RGB); unset: each stroke in its own. */
    options: { ink: [number, number, number] | undefined; transparentPaper: boolean },
  ) {
    const gl = canvas.getContext("webgl", { alpha: true, premultipliedAlpha: true, antialias: false });
    if (!gl) throw new Error("this browser has no WebGL");
    this.gl = gl;
    const program = gl.createProgram();
    if (!program) throw new Error("WebGL: no program");
    gl.attachShader(program, compile(gl, gl.VERTEX_SHADER, vertexShader));
    gl.attachShader(program, compile(gl, gl.FRAGMENT_SHADER, fragmentShader));
    gl.linkProgram(program);
    gl.useProgram(program);
    gl.bindBuffer(gl.ARRAY_BUFFER, gl.createBuffer());
    gl.bufferData(gl.ARRAY_BUFFER, new Float32Array([-1, -1, 1, -1, -1, 1, 1, 1]), gl.STATIC_DRAW);
    const corner = gl.getAttribLocation(program, "corner");
    gl.enableVertexAttribArray(corner);
    gl.vertexAttribPointer(corner, 2, gl.FLOAT, false, 0, 0);
    gl.bindTexture(gl.TEXTURE_2D, gl.createTexture());
    for (const [k, v] of [
      [gl.TEXTURE_MIN_FILTER, gl.LINEAR],
      [gl.TEXTURE_MAG_FILTER, gl.LINEAR],
      [gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE],
      [gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE],
    ] as const)
      gl.texParameteri(gl.TEXTURE_2D, k, v);
    gl.uniform3fv(gl.getUniformLocation(program, "ink"), options.ink ?? [0, 0, 0]);
    gl.uniform1f(gl.getUniformLocation(program, "ownColour"), options.ink ? 0 : 1);
    gl.uniform1f(gl.getUniformLocation(program, "keyed"), options.transparentPaper ? 1 : 0);
    this.clear();
  }

  /** Draws the video's current frame (the canvas takes the video's size). */
  draw(video: HTMLVideoElement): void {
    const { gl, canvas } = this;
    if (canvas.width !== video.videoWidth || canvas.height !== video.videoHeight) {
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
    }
    gl.viewport(0, 0, canvas.width, canvas.height);
    gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGB, gl.RGB, gl.UNSIGNED_BYTE, video);
    gl.drawArrays(gl.TRIANGLE_STRIP, 0, 4);
  }

  /** Nothing shown: fully transparent. */
  clear(): void {
    this.gl.clearColor(0, 0, 0, 0);
    this.gl.clear(this.gl.COLOR_BUFFER_BIT);
  }
}
