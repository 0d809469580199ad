from mmengine.config import read_base

with read_base():
    from ._base_.schedules.imagenet_bs1024_adamw_swin import *

warmup_epochs = 5
base_lr = 0.004
optimizer = dict(type='AdamW', lr=base_lr, weight_decay=0.05, betas=(0.9, 0.999))
optim_wrapper.update(optimizer=optimizer)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=True, begin=0, end=warmup_epochs, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min=base_lr * 0.05, by_epoch=True, begin=warmup_epochs, convert_to_iter_based=True),
    dict(type='CosineAnnealingParamScheduler', param_name='weight_decay', eta_min=0.5, by_epoch=True, begin=0),
]
train_cfg.update(max_epochs=30)
