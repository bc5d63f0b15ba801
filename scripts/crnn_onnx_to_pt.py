"""Recover a trainable crnn_ctc (or multihead_lstm) checkpoint from a shipped float ONNX file (its .pt is not kept).

The exporter folded each BatchNorm into the convolution before it: the folded kernel goes to the conv,
the folded bias to an identity BatchNorm (weight 1, running mean 0, running var 1 - eps). LSTM gates
are reordered from ONNX's i, o, f, c to torch's i, f, c, o. The result reproduces the ONNX outputs
(checked here) and serves as ``init_from`` for fine-tuning. So that training-mode BatchNorm (batch
statistics) starts from the same function, each BatchNorm is then re-parametrised from the statistics of
its input on 128 synthetic crops of the model's region: running mean/var = those statistics, weight = std, bias =
mean + folded bias (the eval-mode function is unchanged).

    python scripts/crnn_onnx_to_pt.py src/platekit/weights/rec_ru.onnx /tmp/rec_ru_v1.pt
"""

from __future__ import annotations

import json
import sys

import numpy as np
import onnx
import torch
from onnx import numpy_helper


def convert(onnx_path: str, out: str) -> None:
    from platekit.models.registry import create_model, save_checkpoint

    meta = json.load(open(onnx_path[: -len(".onnx")] + ".json"))
    args = dict(meta["model_args"])
    from platekit.core.formats import get_region

    if meta["model"] == "crnn_ctc" and meta["alphabet"] != get_region(meta["region"]).alphabet:
        args["alphabet"] = meta["alphabet"]  # an older reader's shorter alphabet (cn before session 14)
    model = create_model(meta["model"], **args).eval()
    g = onnx.load(onnx_path).graph
    init = {i.name: numpy_helper.to_array(i) for i in g.initializer}
    convs = [n for n in g.node if n.op_type == "Conv"]
    lstms = [n for n in g.node if n.op_type == "LSTM"]
    tconvs = [m for m in model.modules() if isinstance(m, torch.nn.Conv2d)]
    tbns = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    assert len(convs) == len(tconvs) == len(tbns), (len(convs), len(tconvs), len(tbns))
    # conv order in modules(): stem, then per block conv1, conv2, shortcut -- the graph's order too
    with torch.no_grad():
        for n, c, bn in zip(convs, tconvs, tbns, strict=True):
            c.weight.copy_(torch.from_numpy(init[n.input[1]]))
            bn.weight.fill_(1.0)
            bn.bias.copy_(torch.from_numpy(init[n.input[2]]))
            bn.running_mean.zero_()
            bn.running_var.fill_(1.0 - bn.eps)
        h = model.rnn.hidden_size
        iofc_to_ifco = np.concatenate([np.arange(0, h), np.arange(2 * h, 3 * h), np.arange(3 * h, 4 * h),
                                       np.arange(h, 2 * h)])
        for layer, n in enumerate(lstms):
            w, r, b = (init[n.input[k]] for k in (1, 2, 3))
            for d, sfx in enumerate(("", "_reverse")):
                getattr(model.rnn, f"weight_ih_l{layer}{sfx}").copy_(torch.from_numpy(w[d][iofc_to_ifco]))
                getattr(model.rnn, f"weight_hh_l{layer}{sfx}").copy_(torch.from_numpy(r[d][iofc_to_ifco]))
                getattr(model.rnn, f"bias_ih_l{layer}{sfx}").copy_(torch.from_numpy(b[d][: 4 * h][iofc_to_ifco]))
                getattr(model.rnn, f"bias_hh_l{layer}{sfx}").copy_(torch.from_numpy(b[d][4 * h :][iofc_to_ifco]))
        if meta["model"] == "multihead_lstm":  # slot queries and heads keep their names in the graph
            for name in ("queries", "heads.weight", "heads.bias"):
                model.get_parameter(name).copy_(torch.from_numpy(init[f"model.{name}"]))
        else:
            mm = [n for n in g.node if n.op_type in ("MatMul", "Gemm")][-1]
            model.fc.weight.copy_(torch.from_numpy(init[mm.input[1]].T))
            model.fc.bias.copy_(torch.from_numpy(init["model.fc.bias"]))
        from platekit.synth import PlateSynth

        formats = [f.name for f in model.region_spec.formats]  # plates its own alphabet can spell
        synth = PlateSynth(formats, size=model.input_size[::-1], difficulty=0.5, seed=1, crop_margin=meta["crop_margin"])
        batch = torch.from_numpy(np.stack([synth.sample()[0] for _ in range(128)]))
        stats = {}
        hooks = [bn.register_forward_hook(lambda m, i, o: stats.__setitem__(m, (i[0].mean((0, 2, 3)),
                                                                                 i[0].var((0, 2, 3)))))
                 for bn in tbns]
        model(batch)
        for hk in hooks:
            hk.remove()
        for bn in tbns:
            mu, var = stats[bn]
            bn.running_mean.copy_(mu)
            bn.running_var.copy_(var)
            bn.bias.add_(mu)
            bn.weight.copy_((var + bn.eps).sqrt())
    import onnxruntime as ort

    x = np.random.default_rng(0).integers(0, 256, (4, *model.input_size, 3), dtype=np.uint8)
    sess = ort.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])
    ref = sess.run(None, {sess.get_inputs()[0].name: x})[0]
    got = model(torch.from_numpy(x)).softmax(-1).detach().numpy()
    err = float(np.abs(ref - got).max())
    print(f"max |onnx - torch| = {err:.2e}")
    assert err < 1e-3
    save_checkpoint(out, model, region=meta["region"], alphabet=meta["alphabet"], source=onnx_path)


if __name__ == "__main__":
    convert(sys.argv[1], sys.argv[2])
