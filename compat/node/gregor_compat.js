// kafkajs against a gregor cluster.
//
// Run by node_test.go with the cluster's bootstrap servers as the only
// argument. Each check prints one JSON line, {feature, ok, detail}, which
// the Go test turns into a subtest named after the feature. A check
// asserts values, offsets and assignments; an exception fails only that
// check.
'use strict'

const crypto = require('crypto')
const {
  Kafka, logLevel, CompressionTypes, CompressionCodecs, ConfigResourceTypes, PartitionAssigners,
} = require('kafkajs')
const SnappyCodec = require('kafkajs-snappy')

CompressionCodecs[CompressionTypes.Snappy] = SnappyCodec

const brokers = process.argv[2].split(',')
const run = crypto.randomBytes(4).toString('hex')
// Bounded waits: a check that has not seen what it expects by then fails.
const deadlineMs = 30000

const kafka = new Kafka({ clientId: 'gregor-compat', brokers, logLevel: logLevel.NOTHING })
const admin = kafka.admin()

function report (feature, ok, detail) {
  process.stdout.write(JSON.stringify({ feature, ok, detail: detail || '' }) + '\n')
}

function expect (cond, what) {
  if (!cond) throw new Error(what)
}

const topic = name => `js-${name}-${run}`
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b)

async function check (feature, fn) {
  try {
    await fn()
    report(feature, true)
  } catch (err) {
    // kafkajs keeps per-partition errors beside the message.
    const more = err && err.partitions ? '\n' + JSON.stringify(err.partitions) : ''
    report(feature, false, (err && err.stack ? err.stack : String(err)) + more)
  }
}

async function create (name, numPartitions = 1, configEntries = []) {
  const created = await admin.createTopics({
    topics: [{ topic: name, numPartitions, replicationFactor: 3, configEntries }],
    waitForLeaders: true,
  })
  expect(created === true, `createTopics(${name}) = ${created}`)
}

// readAll subscribes a fresh group to name from the beginning and returns
// the first want messages as [partition, offset, key, value]; read_committed
// unless the options say readUncommitted.
async function readAll (name, want, options = {}) {
  const consumer = kafka.consumer({ groupId: `js-read-${name}-${crypto.randomBytes(2).toString('hex')}`, maxWaitTimeInMs: 100, ...options })
  await consumer.connect()
  try {
    await consumer.subscribe({ topics: [name], fromBeginning: true })
    const got = []
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`read ${got.length} of ${want}`)), deadlineMs)
      consumer.run({
        eachMessage: async ({ partition, message }) => {
          got.push([partition, Number(message.offset), String(message.key), String(message.value)])
          if (got.length >= want) { clearTimeout(timer); resolve() }
        },
      }).catch(reject)
    })
    return got
  } finally {
    await consumer.disconnect()
  }
}

async function produceAndRead (name, n, acks, extra = {}, producerConfig = {}) {
  await create(name)
  const producer = kafka.producer(producerConfig)
  await producer.connect()
  let meta
  try {
    const messages = []
    for (let i = 0; i < n; i++) messages.push({ key: `k${i}`, value: `v${i}`, partition: 0 })
    meta = await producer.send({ topic: name, acks, messages, ...extra })
  } finally {
    await producer.disconnect()
  }
  const got = await readAll(name, n)
  const want = []
  for (let i = 0; i < n; i++) want.push([0, i, `k${i}`, `v${i}`])
  expect(same(got, want), `read back ${JSON.stringify(got)}`)
  return meta
}

// transactional is a connected transactional producer. kafkajs sends
// InitProducerId at its first transaction(), which fences any earlier
// producer with the same transactional id.
async function transactional (id) {
  const producer = kafka.producer({ transactionalId: id, idempotent: true, maxInFlightRequests: 1 })
  await producer.connect()
  return producer
}

async function transact (producer, name, values, commit) {
  const txn = await producer.transaction()
  await txn.send({ topic: name, acks: -1, messages: values.map(value => ({ value, partition: 0 })) })
  if (commit) await txn.commit(); else await txn.abort()
}

async function transactionChecks () {
  await check('txn_commit_abort', async () => {
    const name = topic('txn')
    await create(name)
    const producer = await transactional(topic('txn-writer'))
    try {
      await transact(producer, name, ['c1', 'c2'], true)
      await transact(producer, name, ['aborted'], false)
      await transact(producer, name, ['c3'], true)
    } finally {
      await producer.disconnect()
    }
    const committed = (await readAll(name, 3)).map(m => m[3])
    expect(same(committed, ['c1', 'c2', 'c3']), `read_committed ${JSON.stringify(committed)}`)
    const all = (await readAll(name, 4, { readUncommitted: true })).map(m => m[3])
    expect(same(all, ['c1', 'c2', 'aborted', 'c3']), `read_uncommitted ${JSON.stringify(all)}`)
  })

  await check('txn_zombie_fenced', async () => {
    const name = topic('zombie')
    await create(name)
    const id = topic('zombie-writer')
    const zombie = await transactional(id)
    const successor = await transactional(id)
    try {
      const txn = await zombie.transaction()
      await txn.send({ topic: name, acks: -1, messages: [{ value: 'from-the-zombie', partition: 0 }] })
      // The successor's first transaction bumps the producer epoch and aborts the zombie's.
      await transact(successor, name, ['from-the-successor'], true)
      let fenced = null
      try {
        await txn.commit()
      } catch (err) {
        fenced = err
      }
      expect(fenced && /PRODUCER_FENCED|INVALID_PRODUCER_EPOCH/.test(fenced.type || ''), `the zombie's commit: ${fenced && (fenced.type || fenced)}`)
    } finally {
      await zombie.disconnect().catch(() => {})
      await successor.disconnect()
    }
    const got = (await readAll(name, 1)).map(m => m[3])
    expect(same(got, ['from-the-successor']), `read_committed ${JSON.stringify(got)}`)
  })

  await check('txn_send_offsets', async () => {
    // consume-transform-produce: the output and the group's offsets commit together.
    const input = topic('ctp-in')
    const output = topic('ctp-out')
    const group = topic('ctp-group')
    await create(input)
    await create(output)
    const plain = kafka.producer()
    await plain.connect()
    await plain.send({ topic: input, acks: -1, messages: ['a', 'b', 'c'].map(value => ({ value, partition: 0 })) })
    await plain.disconnect()
    const records = await readAll(input, 3)
    const producer = await transactional(topic('ctp-writer'))
    const round = async commit => {
      const txn = await producer.transaction()
      await txn.send({ topic: output, acks: -1, messages: records.map(m => ({ value: m[3].toUpperCase(), partition: 0 })) })
      await txn.sendOffsets({ consumerGroupId: group, topics: [{ topic: input, partitions: [{ partition: 0, offset: '3' }] }] })
      if (commit) await txn.commit(); else await txn.abort()
    }
    const committedOffset = async () => {
      const [t] = await admin.fetchOffsets({ groupId: group, topics: [input] })
      return t.partitions.find(p => p.partition === 0).offset
    }
    try {
      await round(false)
      expect(await committedOffset() === '-1', 'an aborted transaction committed the group offset')
      await round(true)
    } finally {
      await producer.disconnect()
    }
    const offset = await committedOffset()
    expect(offset === '3', `group offset after the commit: ${offset}`)
    // The aborted round holds offsets 0-2 and its marker 3: read_committed skips them.
    const got = (await readAll(output, 3)).map(m => [m[1], m[3]])
    expect(same(got, [[4, 'A'], [5, 'B'], [6, 'C']]), `read_committed output ${JSON.stringify(got)}`)
  })
}

async function main () {
  await admin.connect()

  await check('admin_create_describe_topics', async () => {
    const name = topic('created')
    await create(name, 3, [{ name: 'retention.ms', value: '3600000' }])
    const { topics } = await admin.fetchTopicMetadata({ topics: [name] })
    const parts = topics[0].partitions.sort((a, b) => a.partitionId - b.partitionId)
    expect(same(parts.map(p => p.partitionId), [0, 1, 2]), `partitions ${JSON.stringify(parts)}`)
    for (const p of parts) {
      expect(p.replicas.length === 3 && p.replicas.includes(p.leader), `replicas ${JSON.stringify(p)}`)
      expect(same([...p.isr].sort(), [...p.replicas].sort()), `ISR ${JSON.stringify(p)}`)
    }
    expect((await admin.listTopics()).includes(name), 'listTopics misses the new topic')
  })

  await check('produce_acks_0', async () => {
    // No response comes back with acks=0; the records must be in the log.
    await produceAndRead(topic('acks0'), 5, 0)
  })

  await check('produce_acks_1', async () => {
    const meta = await produceAndRead(topic('acks1'), 5, 1)
    expect(meta.length === 1 && meta[0].baseOffset === '0' && meta[0].errorCode === 0, `metadata ${JSON.stringify(meta)}`)
  })

  await check('produce_acks_all', async () => {
    const meta = await produceAndRead(topic('acksall'), 5, -1)
    expect(meta.length === 1 && meta[0].baseOffset === '0', `metadata ${JSON.stringify(meta)}`)
  })

  await check('produce_idempotent', async () => {
    const meta = await produceAndRead(topic('idem'), 5, -1, {}, { idempotent: true, maxInFlightRequests: 1 })
    expect(meta[0].baseOffset === '0', `metadata ${JSON.stringify(meta)}`)
  })

  for (const [codec, type] of [['gzip', CompressionTypes.GZIP], ['snappy', CompressionTypes.Snappy]]) {
    await check('compression_' + codec, async () => {
      const meta = await produceAndRead(topic('codec-' + codec), 20, -1, { compression: type })
      expect(meta[0].baseOffset === '0', `metadata ${JSON.stringify(meta)}`)
    })
  }

  await check('consume_seek', async () => {
    const name = topic('seek')
    await create(name)
    const producer = kafka.producer()
    await producer.connect()
    const messages = []
    for (let i = 0; i < 10; i++) messages.push({ value: `r${i}`, partition: 0 })
    await producer.send({ topic: name, acks: -1, messages })
    await producer.disconnect()
    const offsets = await admin.fetchTopicOffsets(name)
    expect(offsets[0].low === '0' && offsets[0].high === '10', `offsets ${JSON.stringify(offsets)}`)
    const consumer = kafka.consumer({ groupId: `js-seek-${run}`, maxWaitTimeInMs: 100 })
    await consumer.connect()
    try {
      await consumer.subscribe({ topics: [name], fromBeginning: true })
      const got = []
      await new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`after seek: ${JSON.stringify(got)}`)), deadlineMs)
        consumer.run({
          autoCommit: false,
          eachMessage: async ({ message }) => {
            got.push([Number(message.offset), String(message.value)])
            if (got.length === 3) { clearTimeout(timer); resolve() }
          },
        }).catch(reject)
        consumer.seek({ topic: name, partition: 0, offset: '7' })
      })
      expect(same(got, [[7, 'r7'], [8, 'r8'], [9, 'r9']]), `after seek(7): ${JSON.stringify(got)}`)
    } finally {
      await consumer.disconnect()
    }
  })

  await check('offsets_for_times', async () => {
    const name = topic('times')
    await create(name)
    const producer = kafka.producer()
    await producer.connect()
    const messages = []
    for (let i = 0; i < 5; i++) messages.push({ value: `t${i}`, partition: 0, timestamp: String((i + 1) * 1000) })
    await producer.send({ topic: name, acks: -1, messages })
    await producer.disconnect()
    let found = await admin.fetchTopicOffsetsByTimestamp(name, 2500)
    expect(same(found, [{ partition: 0, offset: '2' }]), `offsets at 2500: ${JSON.stringify(found)}`)
    // Nothing at or after the timestamp: Kafka answers -1, which kafkajs
    // turns into the log end offset.
    found = await admin.fetchTopicOffsetsByTimestamp(name, 9000)
    expect(same(found, [{ partition: 0, offset: '5' }]), `offsets at 9000: ${JSON.stringify(found)}`)
  })

  await check('group_assignor_roundrobin', async () => {
    const name = topic('groups')
    await create(name, 4)
    const groupId = `js-rr-${run}`
    const members = [0, 1].map(() => kafka.consumer({
      groupId, partitionAssigners: [PartitionAssigners.roundRobin], maxWaitTimeInMs: 100, heartbeatInterval: 500,
    }))
    const assigned = [null, null]
    try {
      await Promise.all(members.map(async (c, i) => {
        c.on(c.events.GROUP_JOIN, e => { assigned[i] = e.payload.memberAssignment[name] || [] })
        await c.connect()
        await c.subscribe({ topics: [name] })
        await c.run({ eachMessage: async () => {} })
      }))
      const start = Date.now()
      const settled = () => assigned.every(a => a && a.length === 2) &&
        same([...assigned[0], ...assigned[1]].sort(), [0, 1, 2, 3])
      while (!settled() && Date.now() - start < deadlineMs) await new Promise(r => setTimeout(r, 50))
      expect(settled(), `assignments ${JSON.stringify(assigned)}`)
      // Round robin deals partitions in turn: one member has 0 and 2.
      const sorted = assigned.map(a => [...a].sort()).sort()
      expect(same(sorted, [[0, 2], [1, 3]]), `roundrobin assignment ${JSON.stringify(sorted)}`)
      const described = await admin.describeGroups([groupId])
      const g = described.groups[0]
      expect(g.state === 'Stable' && g.protocol === 'RoundRobinAssigner' && g.members.length === 2,
        `describeGroups ${JSON.stringify({ state: g.state, protocol: g.protocol, members: g.members.length })}`)
    } finally {
      await Promise.all(members.map(c => c.disconnect()))
    }
  })

  await check('group_commit_resume', async () => {
    const name = topic('commit')
    await create(name)
    const producer = kafka.producer()
    await producer.connect()
    const messages = []
    for (let i = 0; i < 10; i++) messages.push({ value: `c${i}`, partition: 0 })
    await producer.send({ topic: name, acks: -1, messages })
    await producer.disconnect()
    const groupId = `js-commit-${run}`
    const first = kafka.consumer({ groupId, maxWaitTimeInMs: 100 })
    await first.connect()
    try {
      await first.subscribe({ topics: [name], fromBeginning: true })
      await new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('first member read nothing')), deadlineMs)
        first.run({
          autoCommit: false,
          eachMessage: async ({ message }) => {
            if (message.offset === '5') {
              // Commit after the sixth record only: the next member resumes at 6.
              await first.commitOffsets([{ topic: name, partition: 0, offset: '6' }])
              clearTimeout(timer)
              resolve()
            }
          },
        }).catch(reject)
      })
    } finally {
      await first.disconnect()
    }
    const fetched = await admin.fetchOffsets({ groupId, topics: [name] })
    expect(fetched[0].partitions[0].offset === '6', `fetchOffsets ${JSON.stringify(fetched)}`)
    const second = kafka.consumer({ groupId, maxWaitTimeInMs: 100 })
    const got = []
    await second.connect()
    try {
      await second.subscribe({ topics: [name], fromBeginning: true })
      await new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`resumed with ${JSON.stringify(got)}`)), deadlineMs)
        second.run({
          autoCommit: false,
          eachMessage: async ({ message }) => {
            got.push([Number(message.offset), String(message.value)])
            if (got.length === 4) { clearTimeout(timer); resolve() }
          },
        }).catch(reject)
      })
    } finally {
      await second.disconnect()
    }
    expect(same(got, [[6, 'c6'], [7, 'c7'], [8, 'c8'], [9, 'c9']]), `resumed at ${JSON.stringify(got)}`)
    const listed = (await admin.listGroups()).groups.map(g => g.groupId)
    expect(listed.includes(groupId), `listGroups ${JSON.stringify(listed)}`)
    await admin.deleteGroups([groupId])
    const after = (await admin.listGroups()).groups.map(g => g.groupId)
    expect(!after.includes(groupId), `deleted group still listed: ${JSON.stringify(after)}`)
  })

  await check('admin_describe_alter_configs', async () => {
    const name = topic('configs')
    await create(name, 1, [{ name: 'retention.ms', value: '3600000' }])
    const value = async () => {
      const d = await admin.describeConfigs({
        resources: [{ type: ConfigResourceTypes.TOPIC, name, configNames: ['retention.ms'] }],
        includeSynonyms: false,
      })
      return d.resources[0].configEntries.find(e => e.configName === 'retention.ms').configValue
    }
    expect(await value() === '3600000', 'retention.ms at creation')
    await admin.alterConfigs({
      validateOnly: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name, configEntries: [{ name: 'retention.ms', value: '7200000' }] }],
    })
    const now = await value()
    expect(now === '7200000', `retention.ms after alterConfigs: ${now}`)
  })

  await check('admin_create_partitions', async () => {
    const name = topic('grow')
    await create(name, 1)
    await admin.createPartitions({ topicPartitions: [{ topic: name, count: 3 }] })
    const { topics } = await admin.fetchTopicMetadata({ topics: [name] })
    expect(topics[0].partitions.length === 3, `partitions after createPartitions: ${topics[0].partitions.length}`)
  })

  await check('admin_delete_records', async () => {
    const name = topic('trim')
    await create(name)
    const producer = kafka.producer()
    await producer.connect()
    await producer.send({ topic: name, acks: -1, messages: [0, 1, 2, 3].map(i => ({ value: `d${i}`, partition: 0 })) })
    await producer.disconnect()
    // kafkajs looks the leader up in the admin's cached metadata, which
    // holds only the topics it was asked about.
    await admin.fetchTopicMetadata({ topics: [name] })
    await admin.deleteTopicRecords({ topic: name, partitions: [{ partition: 0, offset: '3' }] })
    const offsets = await admin.fetchTopicOffsets(name)
    expect(offsets[0].low === '3' && offsets[0].high === '4', `offsets after deleteTopicRecords: ${JSON.stringify(offsets)}`)
  })

  await check('admin_delete_topics', async () => {
    const name = topic('deleted')
    await create(name)
    await admin.deleteTopics({ topics: [name] })
    expect(!(await admin.listTopics()).includes(name), 'topic still listed after deleteTopics')
  })

  await transactionChecks()

  await admin.disconnect()
  process.stdout.write(JSON.stringify({ version: require('kafkajs/package.json').version }) + '\n')
}

main().catch(err => { console.error(err); process.exit(1) })
