_base_ = [
    '../_base_/models/retinanet_r50_fpn.py', '../_base_/schedules/schedule_1x.py'
]

# optimizer
optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=0.0001, weight_decay=0.05),
    clip_grad=dict(max_norm=0.1, norm_type=2))

# learning rate: a linear warmup by iteration, then a cosine to the end of the run
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=500),
    dict(
        type='CosineAnnealingLR',
        eta_min=0.0,
        begin=1,
        by_epoch=True,
        convert_to_iter_based=True)
]
