"""Small stand-ins for the source formats' networks, written from their documented layout.

They reproduce only what the converters rely on (module names, i.e. state-dict keys, and
the forward computation), from the facts in the converters' docstrings: a torchvision
ResNet under ``encoder`` that normalises with (x - 0.45) / 0.225; a decoder held in one
``nn.ModuleList`` named ``decoder`` (conv blocks ``conv.conv`` + ELU for the upconvs
(4, 0), (4, 1), ..., (0, 1), then reflection-padded 3x3 convs ``conv`` for the disparities
of scales 0..3), nearest x2 upsampling, skips and a sigmoid; a pose decoder ``net``
(1x1 squeeze, two 3x3 convs, 1x1 to 6 x frames, spatial mean, x 0.01).
"""
import torch
import torch.nn.functional as F
import torchvision
from torch import nn

DECODER_CHANNELS = (16, 32, 64, 128, 256)


def randomize_(module: nn.Module, seed: int = 0, calibrate_with=None) -> nn.Module:
    """Random weights everywhere, including norm statistics (so BN mapping is exercised).

    With ``calibrate_with`` (an input batch), the norm layers' running statistics are then
    set from that batch, which keeps activations of a deep random network in a useful range.
    """
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, t in module.state_dict().items():
            if not t.is_floating_point():
                continue
            if name.endswith('running_var'):
                t.copy_(torch.rand(t.shape, generator=g) + 0.5)
            elif name.endswith('running_mean') or name.endswith('bias'):
                t.copy_(torch.randn(t.shape, generator=g) * 0.1)
            elif t.dim() == 1:  # norm weight
                t.copy_(torch.rand(t.shape, generator=g) + 0.5)
            else:
                fan_in = t[0].numel()
                t.copy_(torch.randn(t.shape, generator=g) * (2.0 / fan_in) ** 0.5)
    if calibrate_with is not None:
        norms = [m for m in module.modules() if isinstance(m, nn.BatchNorm2d)]
        for m in norms:
            m.momentum = 1.0
        module.train()
        with torch.no_grad():
            module(calibrate_with)
        for m in norms:
            m.momentum = 0.1
    return module.eval()


class RefEncoder(nn.Module):
    """torchvision ResNet under ``encoder``; normalises its [0, 1] input itself."""

    def __init__(self, depth: int = 18, num_input_images: int = 1):
        super().__init__()
        self.encoder = getattr(torchvision.models, f'resnet{depth}')()
        if num_input_images > 1:
            self.encoder.conv1 = nn.Conv2d(3 * num_input_images, 64, 7, 2, 3, bias=False)
        expansion = 4 if depth >= 50 else 1
        self.channels = [64] + [64 * 2**i * expansion for i in range(4)]

    def forward(self, x):
        e = self.encoder
        x = (x - 0.45) / 0.225
        feats = [e.relu(e.bn1(e.conv1(x)))]
        x = e.maxpool(feats[0])
        for layer in (e.layer1, e.layer2, e.layer3, e.layer4):
            x = layer(x)
            feats.append(x)
        return feats


class RefPaddedConv(nn.Module):
    """3x3 conv (attribute ``conv``) after 1-pixel reflection padding."""

    def __init__(self, cin, cout):
        super().__init__()
        self.pad = nn.ReflectionPad2d(1)
        self.conv = nn.Conv2d(cin, cout, 3)

    def forward(self, x):
        return self.conv(self.pad(x))


class RefConvBlock(nn.Module):
    """Padded 3x3 conv (attribute ``conv``) then ELU."""

    def __init__(self, cin, cout):
        super().__init__()
        self.conv = RefPaddedConv(cin, cout)

    def forward(self, x):
        return F.elu(self.conv(x))


class RefDepthDecoder(nn.Module):
    """Decoder list: upconv (4,0), (4,1), ..., (0,1), then output convs of scales 0..3."""

    def __init__(self, enc_channels, out_channels=1, feature_multiplier=1):
        super().__init__()
        enc = [c * feature_multiplier for c in enc_channels]
        dec = DECODER_CHANNELS
        blocks, self.index = [], {}
        for i in range(4, -1, -1):
            self.index[(i, 0)] = len(blocks)
            blocks.append(RefConvBlock(enc[4] if i == 4 else dec[i + 1], dec[i]))
            self.index[(i, 1)] = len(blocks)
            blocks.append(RefConvBlock(dec[i] + (enc[i - 1] if i > 0 else 0), dec[i]))
        for s in range(4):
            self.index[('out', s)] = len(blocks)
            blocks.append(RefPaddedConv(dec[s], out_channels))
        self.decoder = nn.ModuleList(blocks)

    def forward(self, feats):
        x, outs = feats[4], {}
        for i in range(4, -1, -1):
            x = self.decoder[self.index[(i, 0)]](x)
            x = F.interpolate(x, scale_factor=2, mode='nearest')
            if i > 0:
                x = torch.cat([x, feats[i - 1]], dim=1)
            x = self.decoder[self.index[(i, 1)]](x)
            if i < 4:
                outs[i] = torch.sigmoid(self.decoder[self.index[('out', i)]](x))
        return [outs[s] for s in range(4)]


class RefPoseDecoder(nn.Module):
    """``net``: 1x1 squeeze, 3x3, 3x3, 1x1 to 6 x frames; mean, x 0.01."""

    def __init__(self, enc_last, num_input_features=1, num_frames=2):
        super().__init__()
        self.num_frames = num_frames
        self.net = nn.ModuleList([
            nn.Conv2d(enc_last, 256, 1),
            nn.Conv2d(num_input_features * 256, 256, 3, 1, 1),
            nn.Conv2d(256, 256, 3, 1, 1),
            nn.Conv2d(256, 6 * num_frames, 1),
        ])

    def forward(self, last_feats):
        x = torch.cat([F.relu(self.net[0](f)) for f in last_feats], dim=1)
        x = F.relu(self.net[1](x))
        x = F.relu(self.net[2](x))
        x = 0.01 * self.net[3](x).mean(3).mean(2).view(-1, self.num_frames, 1, 6)
        return x[..., :3], x[..., 3:]
