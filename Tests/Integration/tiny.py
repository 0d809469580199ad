"""The tiny regression the integration tests train (import it after torch is
known to be installed): a linear model and its data, as rows for the Hugging
Face Trainer and as DataLoaders for Lightning."""

import torch


class Tiny(torch.nn.Module):
    """A linear regression in the Trainer's shape: it returns its loss."""

    def __init__(self):
        super().__init__()
        self.linear = torch.nn.Linear(4, 1)

    def forward(self, x, labels=None):
        out = self.linear(x).squeeze(-1)
        return {"loss": torch.nn.functional.mse_loss(out, labels), "logits": out}


def tensors(n, seed):
    """n noisy samples of a fixed linear map, the same for the same seed."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 4, generator=g)
    return x, x @ torch.tensor([1.0, -2.0, 0.5, 3.0]) + 0.3 * torch.randn(n, generator=g)


def rows(n, seed):
    x, y = tensors(n, seed)
    return [{"x": x[i], "labels": y[i]} for i in range(n)]


def loader(n, seed):
    return torch.utils.data.DataLoader(torch.utils.data.TensorDataset(*tensors(n, seed)), batch_size=8)
