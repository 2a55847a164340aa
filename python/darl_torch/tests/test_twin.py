"""Unit tests of the twin that need no darl run (darl parity and round trips are in packages/darl's vitest suites).
Run: cd python/darl_torch && python3 -m unittest discover -s tests"""
import os
import tempfile
import unittest

import torch
import torch.nn.functional as F

from darl_torch.config import lr_at, model_spec, train_spec
from darl_torch.model import DarlTorch, darl_names, patchify
from darl_torch.rng import Rng
from darl_torch import run_dir
from darl_torch.safetensors_io import read_safetensors, write_safetensors
from darl_torch.timm_names import to_timm_vit

MODEL = {
    'image': {'height': 8, 'width': 8, 'channels': 3}, 'patchSize': 2, 'patchOrder': {'kind': 'raster'},
    'backbone': {'preset': 'tiny', 'width': 16, 'depth': 2, 'heads': 2}, 'position': 'learned', 'objective': 'mse',
    'diffusion': {'decoder': {'kind': 'mlp', 'depth': 1, 'width': 16, 'heads': 2, 'gammaInput': True},
                  'noiseLevels': {'kind': 'beta', 'a': 1, 'b': 2}, 'prediction': 'x0', 'weighting': 'none', 'batchMultiplier': 1},
    'normPix': False,
}


def random_model(seed=0):
    torch.manual_seed(seed)
    model = DarlTorch(model_spec(MODEL))
    with torch.no_grad():
        for p in model.parameters():
            p.normal_(0, 0.2)
    return model


class TestSafetensors(unittest.TestCase):
    def test_round_trip_keeps_names_shapes_values_and_metadata(self):
        tensors = {'b/x': torch.randn(3, 4), 'a': torch.arange(5, dtype=torch.int32), 'u': torch.tensor([1, 255], dtype=torch.uint8)}
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, 'x.safetensors')
            write_safetensors(path, tensors, {'step': '3'})
            with open(path, 'rb') as f:
                n = int.from_bytes(f.read(8), 'little')
            self.assertEqual(n % 8, 0)
            back, meta = read_safetensors(path)
        self.assertEqual(meta, {'step': '3'})
        self.assertEqual(set(back), set(tensors))
        for k, v in tensors.items():
            self.assertTrue(torch.equal(back[k], v))


class TestRunDir(unittest.TestCase):
    def test_commits_checkpoints_keeps_the_newest_and_reads_the_committed_one(self):
        with tempfile.TemporaryDirectory() as d:
            with open(os.path.join(d, 'config.json'), 'w') as f:
                f.write('{}')
            for step in (1, 2, 3):
                run_dir.commit_checkpoint(d, {'w': torch.full((2,), float(step))}, {'m/w': torch.zeros(2)}, {'step': step}, keep=2, writer='test')
            self.assertEqual(sorted(os.listdir(os.path.join(d, 'checkpoints'))), ['step-00000002', 'step-00000003'])
            ck = run_dir.read_checkpoint(d)
            self.assertEqual(ck.state['step'], 3)
            self.assertEqual(ck.state['format'], run_dir.RUN_FORMAT)
            self.assertTrue(torch.equal(ck.model['w'], torch.full((2,), 3.0)))

    def _run_with_three(self, d):
        with open(os.path.join(d, 'config.json'), 'w') as f:
            f.write('{}')
        for step in (1, 2, 3):
            run_dir.commit_checkpoint(d, {'w': torch.full((2,), float(step))}, {'m/w': torch.zeros(2)}, {'step': step}, keep=3, writer='test')

    def test_records_a_sha256_of_each_file_and_refuses_a_flipped_byte(self):
        import hashlib
        import json
        with tempfile.TemporaryDirectory() as d:
            self._run_with_three(d)
            ck = os.path.join(d, 'checkpoints', 'step-00000003')
            with open(os.path.join(ck, 'digests.json')) as f:
                digests = json.load(f)
            self.assertEqual(digests['algorithm'], 'sha256')
            self.assertEqual(sorted(digests['files']), ['model.safetensors', 'optimizer.safetensors', 'state.json'])
            with open(os.path.join(ck, 'model.safetensors'), 'rb') as f:
                data = bytearray(f.read())
            self.assertEqual(digests['files']['model.safetensors'], hashlib.sha256(data).hexdigest())
            data[-3] ^= 0x01  # a bit of the last float
            with open(os.path.join(ck, 'model.safetensors'), 'wb') as f:
                f.write(data)
            with self.assertRaisesRegex(run_dir.RunDirError, r'step-00000003/model\.safetensors is damaged.*SHA-256.*step=2'):
                run_dir.read_checkpoint(d)
            self.assertEqual(run_dir.read_checkpoint(d, step=2).state['step'], 2)
            os.remove(os.path.join(ck, 'digests.json'))  # as written before digests: read unchecked
            self.assertEqual(run_dir.read_checkpoint(d).state['step'], 3)

    def test_a_lost_or_inconsistent_pointer_costs_nothing(self):
        import json
        with tempfile.TemporaryDirectory() as d:
            self._run_with_three(d)
            os.remove(os.path.join(d, 'latest.json'))
            self.assertEqual(run_dir.read_checkpoint(d).state['step'], 3)
            run_dir.RunLock(d, 'test').release()  # cleans interrupted writes: must remove no checkpoint
            self.assertEqual(sorted(os.listdir(os.path.join(d, 'checkpoints'))), ['step-00000001', 'step-00000002', 'step-00000003'])
            with open(os.path.join(d, 'latest.json'), 'w') as f:
                json.dump({'format': run_dir.RUN_FORMAT, 'step': 3, 'dir': 'checkpoints/step-00000001', 'committedAt': 'x'}, f)
            self.assertEqual(run_dir.read_checkpoint(d).state['step'], 3)
            run_dir.RunLock(d, 'test').release()
            self.assertEqual(len(os.listdir(os.path.join(d, 'checkpoints'))), 3)
            with open(os.path.join(d, 'latest.json'), 'w') as f:
                f.write('{"format": "darl')
            self.assertEqual(run_dir.read_checkpoint(d).state['step'], 3)

    def test_lock_refuses_a_live_holder_and_takes_over_a_dead_one(self):
        import json
        import socket
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, 'run.lock')
            with open(path, 'w') as f:
                json.dump({'pid': os.getppid(), 'host': socket.gethostname(), 'startedAt': 'x'}, f)
            with self.assertRaises(run_dir.RunDirError):
                run_dir.RunLock(d, 'test')
            with open(path, 'w') as f:
                json.dump({'pid': 2 ** 22 + 12345, 'host': socket.gethostname(), 'startedAt': 'x'}, f)
            lock = run_dir.RunLock(d, 'test')
            with open(path) as f:
                self.assertEqual(json.load(f)['pid'], os.getpid())
            lock.release()
            self.assertFalse(os.path.exists(path))

    def test_lock_takes_over_our_own_pid_and_a_reused_pid_as_darl_does(self):
        import json
        import socket
        import subprocess
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, 'run.lock')
            with open(path, 'w') as f:  # an earlier process with our pid (after a container restart)
                json.dump({'pid': os.getpid(), 'host': socket.gethostname(), 'startedAt': 'x'}, f)
            run_dir.RunLock(d, 'test').release()
            other = subprocess.Popen(['sleep', '30'])
            try:
                real = run_dir._process_identity(other.pid)
                if real is None:
                    self.skipTest('no /proc')
                with open(path, 'w') as f:  # the live writer: refused
                    json.dump({'pid': other.pid, 'host': socket.gethostname(), 'startedAt': 'x', **real}, f)
                with self.assertRaises(run_dir.RunDirError):
                    run_dir.RunLock(d, 'test')
                with open(path, 'w') as f:  # the pid now belongs to a process started later: taken over
                    json.dump({'pid': other.pid, 'host': socket.gethostname(), 'startedAt': 'x', 'bootId': real['bootId'], 'startTicks': real['startTicks'] - 1}, f)
                lock = run_dir.RunLock(d, 'test')
                self.assertEqual(lock.info['startTicks'], run_dir._process_identity(os.getpid())['startTicks'])
                lock.release()
            finally:
                other.kill()
                other.wait()

    def test_settles_a_rewind_side_file_as_darl_does(self):
        import json
        line = lambda step, loss: json.dumps({'step': step, 'loss': loss})
        with tempfile.TemporaryDirectory() as d:
            main = ''.join(line(s, 1) + '\n' for s in (1, 2, 3, 4))
            side = json.dumps({'event': 'rewind', 'step': 2, 'from': 'checkpoints/step-00000004'}) + '\n' + line(3, 2) + '\n'
            for pointer, expected in (('checkpoints/step-00000004', main), ('checkpoints/step-00000003', line(1, 1) + '\n' + line(2, 1) + '\n' + line(3, 2) + '\n')):
                with open(os.path.join(d, 'metrics.jsonl'), 'w') as f:
                    f.write(main)
                with open(os.path.join(d, 'metrics.rewind.jsonl'), 'w') as f:
                    f.write(side)
                with open(os.path.join(d, 'latest.json'), 'w') as f:
                    json.dump({'format': 'darl-run/2', 'step': 3, 'dir': pointer, 'committedAt': 'x'}, f)
                run_dir.settle_metrics(d)
                with open(os.path.join(d, 'metrics.jsonl')) as f:
                    self.assertEqual(f.read(), expected)
                self.assertFalse(os.path.exists(os.path.join(d, 'metrics.rewind.jsonl')))


class TestRng(unittest.TestCase):
    def test_matches_darl_golden_values(self):
        # From @darl/tensor-backend: new Rng('0/epoch/0').permutation(10); new Rng(12345678901).nextUint32(), next(), int(7)
        self.assertEqual(Rng('0/epoch/0').permutation(10), [2, 3, 8, 1, 5, 0, 4, 9, 7, 6])
        r = Rng(12345678901)
        self.assertEqual(r.next_uint32(), 3203027111)
        self.assertEqual(r.next(), 0.4979669358348212)
        self.assertEqual(r.int(7), 5)


class TestSchedule(unittest.TestCase):
    def test_warmup_then_cosine_to_min(self):
        t = train_spec({'steps': 10, 'batchSize': 4, 'lr': 1.0, 'minLr': 0.1, 'warmupSteps': 2, 'weightDecay': 0, 'beta1': 0.9,
                        'beta2': 0.95, 'clipNorm': 1, 'accumulate': 1, 'ema': 0, 'seed': 0, 'augment': 'none', 'logEvery': 1,
                        'checkpointEvery': 0, 'keepCheckpoints': 2})
        self.assertAlmostEqual(lr_at(t, 0), 0.5)
        self.assertAlmostEqual(lr_at(t, 1), 1.0)
        self.assertAlmostEqual(lr_at(t, 2), 1.0)
        self.assertAlmostEqual(lr_at(t, 6), 0.1 + 0.9 * 0.5)
        self.assertAlmostEqual(lr_at(t, 10), 0.1)


class TestTimmNames(unittest.TestCase):
    """A ViT written with timm's names and PyTorch layouts (conv patch embedding, nn.Linear weights [out, in]) computes
    what the twin computes, with full attention and learned positions."""

    def test_timm_layout_reproduces_the_backbone(self):
        model = random_model()
        images = torch.randn(2, 8, 8, 3)
        ref = model.conditions(model.patch_sequence(images), causal=False)  # [B, L, C]
        t = to_timm_vit({k: v.detach() for k, v in darl_names(model).items()}, patch_size=2, channels=3)
        x = F.conv2d(images.permute(0, 3, 1, 2), t['patch_embed.proj.weight'], t['patch_embed.proj.bias'], stride=2)
        x = x.flatten(2).transpose(1, 2)  # [B, L, C], raster order
        x = torch.cat([t['cls_token'].expand(2, 1, -1), x[:, :-1]], 1) + t['pos_embed']
        H = 2
        for i in range(2):
            p = lambda n: t[f'blocks.{i}.{n}']  # noqa: E731
            h = F.layer_norm(x, (16,), p('norm1.weight'), p('norm1.bias'), 1e-6)
            qkv = F.linear(h, p('attn.qkv.weight'), p('attn.qkv.bias')).reshape(2, 16, 3, H, 8).permute(2, 0, 3, 1, 4)
            a = F.softmax(qkv[0] @ qkv[1].transpose(-1, -2) / 8 ** 0.5, -1) @ qkv[2]
            x = x + F.linear(a.transpose(1, 2).reshape(2, 16, 16), p('attn.proj.weight'), p('attn.proj.bias'))
            h = F.layer_norm(x, (16,), p('norm2.weight'), p('norm2.bias'), 1e-6)
            x = x + F.linear(F.gelu(F.linear(h, p('mlp.fc1.weight'), p('mlp.fc1.bias'))), p('mlp.fc2.weight'), p('mlp.fc2.bias'))
        out = F.layer_norm(x, (16,), t['norm.weight'], t['norm.bias'], 1e-6)
        self.assertLess((out - ref).abs().max().item(), 1e-5)

    def test_patch_vector_layout(self):
        images = torch.arange(2 * 4 * 4 * 3, dtype=torch.float32).reshape(2, 4, 4, 3)
        p = patchify(images, 2)
        # patch 1 of image 0 is rows 0-1, columns 2-3; inside it pixels row-major, channels last
        self.assertTrue(torch.equal(p[0, 1], images[0, 0:2, 2:4].reshape(-1)))


if __name__ == '__main__':
    unittest.main()
