import { createServer } from 'node:http';

/** The ceiling: bare Node http answering the same JSON as a cached GET /lookup/1. */
const body = JSON.stringify({ id: 1, title: 'How to get a good grade in DOS in 20 minutes a day', topic: 'distributed systems', cost: 9000, quantity: 77 });
const port = Number(process.argv[2]);
createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}).listen(port, '127.0.0.1', () => process.send?.('ready'));
