"""CoordConv under ``torch.compile(fullgraph=True)``, ``torch.export`` and ONNX export
(docs/architecture.md), for the default layers and for every option: groups (depthwise too),
each coordinate encoding, wrapped subclasses (one model holds them all, so each tool compiles or
exports once)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from coordconv_core import (
    CoordConv1d,
    CoordConv2d,
    CoordConv3d,
    CoordConvTranspose2d,
    CoordConvWrapper,
    CoordEncoding,
)


class EveryOption(nn.Module):
    """2-D layers with every option, then a 1-D and a 3-D grouped layer on reshaped features."""

    def __init__(self, subclasses: tuple[type[nn.Conv2d], type[nn.Conv2d]]) -> None:
        super().__init__()
        ws_conv, same_conv = subclasses
        self.planar = nn.Sequential(
            CoordConv2d(3, 8, 3, padding=1, coords="zero_one", with_r=True),
            CoordConv2d(8, 8, 3, padding=1, groups=8, coords="pixels", padding_mode="reflect"),
            CoordConv2d(8, 8, 1, groups=2, coords="minus_half_half", with_r=True),
            CoordConv2d(8, 8, 3, stride=2, padding=1, coords="fourier"),
            CoordConvWrapper(
                ws_conv(8, 8, 3, padding=1), coords=CoordEncoding("fourier", 2, sigma=3.0)
            ),
            CoordConvWrapper(same_conv(8, 8, 3, stride=2), with_r=True),
            nn.ReLU(),
            CoordConvTranspose2d(8, 4, 2, stride=2, groups=2, with_r=True),
        )
        self.line = CoordConv1d(4, 4, 3, padding=1, groups=4, coords="zero_one", with_r=True)
        self.volume = CoordConv3d(2, 2, 3, padding=1, groups=2, with_r=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.planar(x)  # (N, 4, H', W')
        y = y + self.line(y.flatten(2)).view_as(y)
        volume = y.unflatten(1, (2, 2))  # (N, 2, 2, H', W'): depth 2
        return y + self.volume(volume).flatten(1, 2)


def reference_evaluator(model_proto: object) -> object:
    """onnx's ``ReferenceEvaluator`` with its ``ConvTranspose`` fixed for ``group > 1``.

    onnx 1.23's reference ``ConvTranspose`` slices a grouped weight ``(C, M / group, *k)`` by
    output channels and writes one channel per group, so a plain ``nn.ConvTranspose2d(groups=2)``
    fails there too. This one runs each group separately, as the operator's definition says.
    """
    from onnx.reference import ReferenceEvaluator
    from onnx.reference.ops.op_conv_transpose import ConvTranspose as Reference

    class ConvTranspose(Reference):
        def _run(self, X, W, B=None, auto_pad=None, dilations=None, group=None,
                 kernel_shape=None, output_padding=None, output_shape=None, pads=None,
                 strides=None):  # fmt: skip
            attrs = {"auto_pad": auto_pad, "dilations": dilations, "kernel_shape": kernel_shape,
                     "output_padding": output_padding, "output_shape": output_shape,
                     "pads": pads, "strides": strides}  # fmt: skip
            group = group or 1
            biases = [None] * group if B is None else np.split(B, group)
            parts = zip(np.split(X, group, 1), np.split(W, group), biases, strict=True)
            outs = [Reference._run(self, x, w, b, group=1, **attrs)[0] for x, w, b in parts]
            return (np.concatenate(outs, axis=1),)

    return ReferenceEvaluator(model_proto, new_ops=[ConvTranspose])


@pytest.fixture
def every_option(conv_subclasses: tuple[type[nn.Conv2d], type[nn.Conv2d]]) -> nn.Module:
    torch.manual_seed(0)
    model = EveryOption(conv_subclasses)
    with torch.no_grad():  # non-zero coordinate weights in the wrappers, so their term counts
        for m in model.modules():
            if isinstance(m, CoordConvWrapper):
                m.coord_weight.normal_(std=0.1)
    return model


def test_torch_compile_fullgraph(device: torch.device) -> None:
    torch.manual_seed(0)
    layer = CoordConv2d(2, 3, 3, padding=1, padding_mode="reflect", with_r=True, device=device)
    x = torch.randn(2, 2, 5, 6, device=device)
    compiled = torch.compile(layer, fullgraph=True, dynamic=False)
    out = compiled(x)
    torch.testing.assert_close(out, layer(x), rtol=1e-5, atol=1e-5)
    (grad,) = torch.autograd.grad(out.square().sum(), layer.weight)
    (want,) = torch.autograd.grad(layer(x).square().sum(), layer.weight)
    torch.testing.assert_close(grad, want, rtol=1e-4, atol=1e-4)


def test_torch_export_dynamic_batch(device: torch.device) -> None:
    torch.manual_seed(0)
    model = nn.Sequential(
        CoordConv2d(3, 8, 3, stride=2, padding=1, with_r=True),
        nn.ReLU(),
        CoordConvTranspose2d(8, 2, 2, stride=2),
    ).to(device)
    batch = torch.export.Dim("batch", min=1, max=64)
    program = torch.export.export(
        model, (torch.randn(2, 3, 8, 10, device=device),), dynamic_shapes={"input": {0: batch}}
    )
    exported = program.module()
    for n in (1, 5):
        x = torch.randn(n, 3, 8, 10, device=device)
        torch.testing.assert_close(exported(x), model(x), rtol=1e-5, atol=1e-5)
    ops = {str(node.target) for node in program.graph.nodes if node.op == "call_function"}
    assert not any("cat" in op for op in ops)  # the concatenation is never built


def test_onnx_export_dynamic_batch_runs_in_onnx_reference_evaluator() -> None:
    from onnx.reference import ReferenceEvaluator

    torch.manual_seed(0)
    model = nn.Sequential(
        CoordConv2d(3, 4, 3, stride=2, padding=1, with_r=True),
        nn.ReLU(),
        CoordConvTranspose2d(4, 2, 2, stride=2),
    ).eval()
    batch = torch.export.Dim("batch", min=1, max=64)
    program = torch.onnx.export(
        model, (torch.randn(2, 3, 6, 8),), dynamic_shapes={"input": {0: batch}}, dynamo=True
    )
    session = ReferenceEvaluator(program.model_proto)
    for n in (1, 3):
        x = torch.randn(n, 3, 6, 8)
        (got,) = session.run(None, {session.input_names[0]: x.numpy()})
        torch.testing.assert_close(torch.from_numpy(got), model(x).detach(), rtol=1e-4, atol=1e-5)


def test_torch_compile_fullgraph_every_option(every_option: nn.Module) -> None:
    """Dynamo captures the whole model in one graph and AOTAutograd traces its backward.

    ``aot_eager`` stops before Inductor's code generation, which for this model takes 40 s on a
    quiet 2-core machine and minutes under load (it passes too); Inductor compiles the default
    layer above.
    """
    x = torch.randn(2, 3, 10, 12)
    compiled = torch.compile(every_option, fullgraph=True, dynamic=False, backend="aot_eager")
    out, want = compiled(x), every_option(x)
    torch.testing.assert_close(out, want, rtol=1e-4, atol=1e-5)
    params = list(every_option.parameters())
    got = torch.autograd.grad(out.square().sum(), params)
    expected = torch.autograd.grad(want.square().sum(), params)
    for g, w in zip(got, expected, strict=True):
        torch.testing.assert_close(g, w, rtol=1e-3, atol=1e-4)


def test_torch_export_and_onnx_every_option(every_option: nn.Module) -> None:
    model = every_option.eval()
    batch = torch.export.Dim("batch", min=1, max=64)
    example = (torch.randn(2, 3, 10, 12),)
    program = torch.export.export(model, example, dynamic_shapes={"x": {0: batch}})
    exported = program.module()
    onnx_program = torch.onnx.export(model, example, dynamic_shapes={"x": {0: batch}}, dynamo=True)
    session = reference_evaluator(onnx_program.model_proto)
    for n in (1, 3):
        x = torch.randn(n, 3, 10, 12)
        want = model(x).detach()
        torch.testing.assert_close(exported(x), want, rtol=1e-5, atol=1e-5)
        (got,) = session.run(None, {session.input_names[0]: x.numpy()})
        torch.testing.assert_close(torch.from_numpy(got), want, rtol=1e-4, atol=1e-5)
