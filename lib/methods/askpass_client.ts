/**
 * The askpass program's code: what runs when ssh executes `SSH_ASKPASS` with its prompt. It
 * reads the rendezvous from `MITOCTL_ASKPASS` (an abstract unix socket's name and a one-time
 * token; never the password), sends the socket the token, its parent's pid (the ssh) and the
 * prompt, and prints the answer it gets, or exits 1 (ssh then takes the prompt as declined).
 * The prompt is the last word of `/proc/self/cmdline`, as ssh passed it.
 *
 * The code is the same JavaScript on Deno and Node, holds no `'`, and runs from `deno eval`, a
 * `--import` of Node, or the compiled binary.
 *
 * @module
 */

import { encodeBase64 } from "../wire/base64.ts";

/** Environment variable holding `<socket name> <token>`. */
export const ASKPASS_ENV = "MITOCTL_ASKPASS";

/** Argument that makes the compiled binary act as the askpass program (see main.ts). */
export const ASKPASS_FLAG = "--mitoctl-askpass";

const ASK = `var p=process,g=p.getBuiltinModule,e=p.env,v=(e.${ASKPASS_ENV}||"").split(" "),` +
  `a=g("fs").readFileSync("/proc/self/cmdline","utf8").split("\\0");a.pop();`;

const BODY = "p.exitCode=await new Promise(function(r){" +
  'var s=g("net").connect("\\0"+v[0]),b="";s.setEncoding("utf8");' +
  's.on("connect",function(){s.write(JSON.stringify({token:v[1],ppid:p.ppid,' +
  'prompt:a[a.length-1]})+"\\n")});s.on("data",function(d){b+=d});' +
  's.on("error",function(){r(1)});s.on("close",function(){try{var m=JSON.parse(b);' +
  'if(typeof m.answer=="string"){g("fs").writeSync(1,m.answer+"\\n");return r(0)}}' +
  "catch(x){}r(1)})});p.exit()";

/**
 * The askpass code. With `preload`, it acts only when the process is exactly what ssh started
 * (`SSH_ASKPASS` and one prompt): Node loads it into every Node process that inherits ssh's
 * environment, a ProxyCommand's among them, and those must run as if it were not there.
 */
export function askpassClientJs(preload: boolean): string {
  return preload ? `${ASK}if(v[1]&&a.length==2&&a[0]==e.SSH_ASKPASS){${BODY}}` : `${ASK}${BODY}`;
}

/** Runs the askpass code in this process: the compiled binary started with {@linkcode ASKPASS_FLAG}. */
export async function runAskpassClient(): Promise<void> {
  const js = new TextEncoder().encode(askpassClientJs(false));
  await import(`data:text/javascript;base64,${encodeBase64(js)}`);
}
