// CPU and wall time of importing one module (path or package), e.g. `node bench/startup-import.mjs $PWD/dist/app/index.js`.
const target = process.argv[2];
const wall = process.hrtime.bigint();
const cpu = process.cpuUsage();
await import(target);
const used = process.cpuUsage(cpu);
const ms = (n) => Math.round(n);
console.log(
  target,
  ms(Number(process.hrtime.bigint() - wall) / 1e6),
  'ms wall',
  ms((used.user + used.system) / 1000),
  'ms cpu',
);
