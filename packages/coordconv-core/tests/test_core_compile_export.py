"""CoordConv under ``torch.compile(fullgraph=True)`` and ``torch.export`` (docs/architecture.md)."""

from __future__ import annotations

import torch
from torch import nn

from coordconv_core import CoordConv2d, CoordConvTranspose2d


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
