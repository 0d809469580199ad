lr = 0.1
lr = 0.2
optim_wrapper = dict(optimizer=dict(type='SGD', lr=lr))
param_scheduler = [dict(type='CosineAnnealingLR', T_max=10, by_epoch=False)]
