import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '@darl/tensor-backend';
const name = (process.argv[2] ?? 'native') as never;
const info = await useBackend(name);
console.log(info.name, info.native);
for (const [a, b, ta, tb] of [[[3200,128],[3200,128],true,false],[[3136,16],[3136,128],true,false],[[3200,128],[128,384],false,false],[[256,50,50],[256,50,32],false,false]] as [number[],number[],boolean,boolean][]) {
  const x = tf.randomNormal(a), y = tf.randomNormal(b);
  for (let r = 0; r < 3; r++) { const t0 = performance.now(); const c0 = process.cpuUsage(); const z = tf.matMul(x, y, ta, tb); z.dataSync(); const c = process.cpuUsage(c0); console.log(a, b, (performance.now() - t0).toFixed(2), 'ms wall', ((c.user+c.system)/1000).toFixed(2), 'ms cpu'); z.dispose(); }
}
