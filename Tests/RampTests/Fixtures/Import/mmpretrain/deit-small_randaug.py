_base_ = ['./_base_/datasets/imagenet_randaug.py']

optim_wrapper = dict(optimizer=dict(type='AdamW', lr=5e-4 * 1024 / 512, weight_decay=0.05))
param_scheduler = [dict(type='CosineAnnealingLR', eta_min=1e-5, by_epoch=False, begin=0, end=100)]
train_cfg = dict(by_epoch=False, max_iters=100)
