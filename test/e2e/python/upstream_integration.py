"""python-etcd 0.4.5's upstream integration tests (etcd/tests/integration/test_simple.py), adapted
to an external cluster: the test starts no etcd of its own but talks to ETCD_HOST:ETCD_PORT (a
front door or an etcd member), with MEMBER_PORTS naming the cluster's other client ports. What the
upstream suite does by killing its own etcd processes is done here with a port nothing listens on.
Each test class works under its own key prefix, so the suite can run against a used cluster.

Run with Debian's interpreter, which has python-etcd: /usr/bin/python3 upstream_integration.py
"""
import multiprocessing
import os
import time
import unittest
import uuid

import etcd

HOST = os.environ.get('ETCD_HOST', '127.0.0.1')
PORT = int(os.environ['ETCD_PORT'])
MEMBER_PORTS = [int(p) for p in os.environ.get('MEMBER_PORTS', '').split(',') if p]
DEAD_PORT = int(os.environ['DEAD_PORT'])
RUN = uuid.uuid4().hex[:8]


def client(**kwargs):
    return etcd.Client(host=HOST, port=PORT, **kwargs)


class Prefixed(unittest.TestCase):
    def setUp(self):
        self.client = client()
        self.p = '/py-%s/%s' % (RUN, self._testMethodName)


class TestSimple(Prefixed):
    def test_machines(self):
        """ INTEGRATION: retrieve machines """
        machines = self.client.machines
        self.assertEqual(sorted(machines), machines)
        self.assertEqual(sorted('http://127.0.0.1:%d' % p for p in MEMBER_PORTS), machines)

    def test_leader(self):
        """ INTEGRATION: retrieve leader """
        self.assertIn(self.client.leader['clientURLs'][0], ['http://127.0.0.1:%d' % p for p in MEMBER_PORTS])

    def test_members(self):
        members = self.client.members
        self.assertEqual(len(members), len(MEMBER_PORTS))
        for member_id, member in members.items():
            self.assertEqual(member['id'], member_id)
            self.assertEqual(set(member), {'id', 'name', 'peerURLs', 'clientURLs'})

    def test_version(self):
        self.assertEqual(self.client.version, '3.4.23')
        self.assertEqual(self.client.cluster_version, '3.4.0')

    def test_stats(self):
        stats = self.client.stats
        self.assertIn(stats['state'], ('StateLeader', 'StateFollower'))
        self.assertEqual(list(stats)[:6], ['name', 'id', 'state', 'startTime', 'leaderInfo', 'recvAppendRequestCnt'])
        store = self.client.store_stats
        self.assertGreater(store['setsSuccess'], 0)
        self.assertEqual(list(store)[-1], 'watchers')
        if self.client.leader['id'] != stats['id']:
            # Asked of a follower's own URL, etcd answers 403 {"message":"not current leader"}.
            with self.assertRaises(etcd.EtcdException) as raised:
                self.client.leader_stats
            self.assertIn('not current leader', str(raised.exception))
            return
        leader = self.client.leader_stats
        self.assertEqual(leader['leader'], self.client.leader['id'])
        self.assertEqual(len(leader['followers']), len(MEMBER_PORTS) - 1)
        for follower in leader['followers'].values():
            self.assertEqual(list(follower['latency']), ['current', 'average', 'standardDeviation', 'minimum', 'maximum'])
            self.assertEqual(list(follower['counts']), ['fail', 'success'])

    def test_get_set_delete(self):
        """ INTEGRATION: set a new value """
        key = self.p + '/test_set'
        with self.assertRaises(etcd.EtcdKeyNotFound):
            self.client.get(key)
        self.assertFalse(key in self.client)
        set_result = self.client.set(key, 'test-key')
        self.assertEqual('set', set_result.action.lower())
        self.assertEqual(key, set_result.key)
        self.assertEqual('test-key', set_result.value)
        self.assertTrue(key in self.client)
        get_result = self.client.get(key)
        self.assertEqual('get', get_result.action.lower())
        self.assertEqual(key, get_result.key)
        self.assertEqual('test-key', get_result.value)
        delete_result = self.client.delete(key)
        self.assertEqual('delete', delete_result.action.lower())
        self.assertEqual(key, delete_result.key)
        self.assertFalse(key in self.client)
        with self.assertRaises(etcd.EtcdKeyNotFound):
            self.client.get(key)

    def test_update(self):
        """INTEGRATION: update a value"""
        self.client.set(self.p + '/foo', 3)
        c = self.client.get(self.p + '/foo')
        c.value = int(c.value) + 3
        self.client.update(c)
        newres = self.client.get(self.p + '/foo')
        self.assertEqual(newres.value, u'6')
        self.assertRaises(ValueError, self.client.update, c)

    def test_retrieve_subkeys(self):
        """ INTEGRATION: retrieve multiple subkeys """
        self.client.write(self.p + '/subtree/test_set', 'test-key1')
        self.client.write(self.p + '/subtree/test_set1', 'test-key2')
        self.client.write(self.p + '/subtree/test_set2', 'test-key3')
        get_result = self.client.read(self.p + '/subtree', recursive=True)
        result = sorted(subkey.value for subkey in get_result.leaves)
        self.assertEqual(['test-key1', 'test-key2', 'test-key3'], result)

    def test_directory_ttl_update(self):
        """ INTEGRATION: should be able to update a dir TTL """
        self.client.write(self.p + '/dir', None, dir=True, ttl=30)
        res = self.client.write(self.p + '/dir', None, dir=True, ttl=31, prevExist=True)
        self.assertEqual(res.ttl, 31)
        res = self.client.get(self.p + '/dir')
        res.ttl = 120
        new_res = self.client.update(res)
        self.assertEqual(new_res.ttl, 120)

    def test_in_order(self):
        first = self.client.write(self.p + '/queue', 'job1', append=True)
        second = self.client.write(self.p + '/queue', 'job2', append=True)
        self.assertLess(int(first.key.rsplit('/', 1)[1]), int(second.key.rsplit('/', 1)[1]))
        listing = self.client.read(self.p + '/queue', sorted=True)
        self.assertEqual([c.value for c in listing.children], ['job1', 'job2'])

    def test_ttl_expires(self):
        res = self.client.write(self.p + '/ttl', 'short', ttl=1)
        self.assertIsNotNone(res.expiration)
        self.assertIn(res.ttl, (0, 1))
        time.sleep(2.5)
        with self.assertRaises(etcd.EtcdKeyNotFound):
            self.client.get(self.p + '/ttl')

    def test_refresh(self):
        self.client.write(self.p + '/r', 'v', ttl=5)
        res = self.client.refresh(self.p + '/r', ttl=100)
        self.assertEqual(res.value, 'v')
        self.assertGreater(res.ttl, 90)

    def test_recursive_delete(self):
        self.client.write(self.p + '/tree/a/b', 'x')
        with self.assertRaises(etcd.EtcdDirNotEmpty):
            self.client.delete(self.p + '/tree', dir=True)
        self.client.delete(self.p + '/tree', recursive=True)
        self.assertFalse(self.p + '/tree' in self.client)

    def test_pop(self):
        self.client.write(self.p + '/pop', 'popped')
        self.assertEqual(self.client.pop(self.p + '/pop').value, 'popped')

    def test_compare_and_delete(self):
        self.client.write(self.p + '/cad', 'v')
        with self.assertRaises(ValueError):
            self.client.delete(self.p + '/cad', prevValue='other')
        self.client.delete(self.p + '/cad', prevValue='v')


class TestErrors(Prefixed):
    def test_is_not_a_file(self):
        """ INTEGRATION: try to write  value to an existing directory """
        self.client.set(self.p + '/directory/test-key', 'test-value')
        self.assertRaises(etcd.EtcdNotFile, self.client.set, self.p + '/directory', 'test-value')

    def test_test_and_set(self):
        """ INTEGRATION: try test_and_set operation """
        self.client.set(self.p + '/test-key', 'old-test-value')
        self.client.test_and_set(self.p + '/test-key', 'test-value', 'old-test-value')
        self.assertRaises(ValueError, self.client.test_and_set, self.p + '/test-key', 'new-value', 'old-test-value')

    def test_creating_already_existing_directory(self):
        """ INTEGRATION: creating an already existing directory without
        `prevExist=True` should fail """
        self.client.write(self.p + '/mydir', None, dir=True)
        self.assertRaises(etcd.EtcdNotFile, self.client.write, self.p + '/mydir', None, dir=True)
        self.assertRaises(etcd.EtcdAlreadyExist, self.client.write, self.p + '/mydir', None, dir=True, prevExist=False)



class TestClusterFunctions(Prefixed):
    def test_reconnect_with_several_hosts_passed(self):
        """ INTEGRATION: receive several hosts at connection setup; the first is down """
        c = etcd.Client(host=((HOST, DEAD_PORT), (HOST, PORT)), allow_reconnect=True)
        c.set(self.p + '/test_set', 'test-key1')
        self.assertEqual('test-key1', c.get(self.p + '/test_set').value)

    def test_reconnect_uses_machines(self):
        """ allow_reconnect reads /v2/machines: every advertised member serves the keyspace """
        c = client(allow_reconnect=True)
        c.set(self.p + '/k', 'v')
        # The client keeps the advertised members to fail over to.
        self.assertTrue(set(c._machines_cache) <= set(c.machines))
        for url in c.machines:
            host, port = url[len('http://'):].split(':')
            other = etcd.Client(host=host, port=int(port))
            deadline = time.time() + 5
            while True:
                try:
                    self.assertEqual(other.get(self.p + '/k').value, 'v')
                    break
                except etcd.EtcdKeyNotFound:
                    if time.time() > deadline:
                        raise
                    time.sleep(0.05)

    def test_reconnect_not_allowed(self):
        """ INTEGRATION: fail on server kill if not allow_reconnect """
        c = etcd.Client(host=HOST, port=DEAD_PORT, allow_reconnect=False)
        self.assertRaises(etcd.EtcdConnectionFailed, c.get, self.p + '/test_set')

    def test_cluster_id_is_checked(self):
        c = client()
        c.get('/')
        cluster_id = c.expected_cluster_id
        self.assertRegex(cluster_id, '^[0-9a-f]{1,16}$')
        # Every member reports the same cluster ID.
        for port in MEMBER_PORTS:
            m = etcd.Client(host=HOST, port=port, expected_cluster_id=cluster_id)
            m.get('/')
            self.assertEqual(m.expected_cluster_id, cluster_id)
        stale = client(expected_cluster_id='deadbeef')
        self.assertRaises(etcd.EtcdClusterIdChanged, stale.get, '/')


def _change_value(key, value, delay):
    time.sleep(delay)
    client().set(key, value)


def _watch_value(key, queue, index=None, count=1, eternal=False, recursive=None):
    c = client()
    if eternal:
        events = c.eternal_watch(key, index=index, recursive=recursive)
        for _ in range(count):
            queue.put(next(events).value)
    else:
        for i in range(count):
            queue.put(c.watch(key, index=None if index is None else index + i, recursive=recursive).value)


class TestWatch(Prefixed):
    def spawn(self, target, *args):
        process = multiprocessing.Process(target=target, args=args)
        process.start()
        self.addCleanup(lambda: (process.terminate(), process.join(5)))
        return process

    def test_watch(self):
        """ INTEGRATION: Receive a watch event from other process """
        key = self.p + '/test-key'
        self.client.set(key, 'test-value')
        queue = multiprocessing.Queue()
        self.spawn(_watch_value, key, queue)
        time.sleep(1)
        self.spawn(_change_value, key, 'new-test-value', 0)
        self.assertEqual(queue.get(timeout=5), 'new-test-value')

    def test_watch_indexed(self):
        """ INTEGRATION: Receive a watch event from other process, indexed """
        key = self.p + '/test-key'
        self.client.set(key, 'test-value')
        original_index = int(self.client.set(key, 'test-value0').modifiedIndex)
        self.client.set(key, 'test-value1')
        self.client.set(key, 'test-value2')
        queue = multiprocessing.Queue()
        self.spawn(_watch_value, key, queue, original_index, 3)
        time.sleep(0.5)
        self.spawn(_change_value, key, 'test-value3', 0)
        self.assertEqual([queue.get(timeout=5) for _ in range(3)], ['test-value0', 'test-value1', 'test-value2'])

    def test_watch_generator(self):
        """ INTEGRATION: Receive a watch event from other process (gen) """
        key = self.p + '/test-key'
        self.client.set(key, 'test-value')
        queue = multiprocessing.Queue()
        self.spawn(_watch_value, key, queue, None, 1, True)
        self.spawn(_change_value, key, 'test-value0', 1)
        self.assertEqual(queue.get(timeout=5), 'test-value0')

    def test_watch_indexed_generator(self):
        """ INTEGRATION: Receive a watch event from other process, ixd, (2) """
        key = self.p + '/test-key'
        self.client.set(key, 'test-value')
        original_index = int(self.client.set(key, 'test-value0').modifiedIndex)
        self.client.set(key, 'test-value1')
        self.client.set(key, 'test-value2')
        queue = multiprocessing.Queue()
        self.spawn(_watch_value, key, queue, original_index, 3, True)
        self.assertEqual([queue.get(timeout=5) for _ in range(3)], ['test-value0', 'test-value1', 'test-value2'])

    def test_recursive_watch(self):
        queue = multiprocessing.Queue()
        self.spawn(_watch_value, self.p + '/dir', queue, None, 1, False, True)
        time.sleep(1)
        self.spawn(_change_value, self.p + '/dir/deep/key', 'deep', 0)
        self.assertEqual(queue.get(timeout=5), 'deep')

    def test_watch_timeout(self):
        with self.assertRaises(etcd.EtcdWatchTimedOut):
            self.client.watch(self.p + '/never', timeout=0.5)


class TestLock(Prefixed):
    def test_lock(self):
        name = 'lock-%s' % RUN
        first = etcd.Lock(self.client, name)
        self.assertTrue(first.acquire(blocking=True, lock_ttl=30))
        self.assertTrue(first.is_acquired)
        second = etcd.Lock(client(), name)
        self.assertFalse(second.acquire(blocking=False, lock_ttl=30))
        first.release()
        self.assertFalse(first.is_acquired)
        self.assertTrue(second.acquire(blocking=True, lock_ttl=30, timeout=5))
        second.release()

    def test_lock_as_context_manager(self):
        with etcd.Lock(self.client, 'ctx-%s' % RUN) as lock:
            self.assertTrue(lock.is_acquired)
        self.assertFalse(lock.is_acquired)


if __name__ == '__main__':
    unittest.main(verbosity=2)
