// Each test file loads its own nock, and each one patches the one node:http of the worker. A
// file's nock is undone when the file ends, so the next file's real sockets (the hostile-host
// tests) are not passed through the stale interception of every file before it.
/* global afterAll */
const nock = require('nock')
afterAll(() => {
  if (nock.isActive()) nock.restore()
})
