"""Distillation from a teacher's scores near the shapes (train.py --teacher).

Why: every hard-negative stage made the model quieter on real photos but also less sure of some
real shapes, and blending back toward the earlier weights buys recall only with the earlier
false alarms.  Here the student trains on the usual mix (negatives included) and, on the shape
images only, is also pulled toward a teacher's (the shipped model's) class and objectness
scores *near the shapes*: RoIs and anchors whose IoU with a drawn shape is >= near_iou.  Far
from the shapes - the photo backgrounds, where the teacher's false alarms live - only the hard
labels apply, so the teacher's recall is what transfers, not its false alarms.

Both terms are KL divergences (teacher || student), so they are 0 where the student already
agrees with the teacher:
  roi: softmax over the 7 classes of the box head, on the student's sampled RoIs [R, 7]
  rpn: Bernoulli objectness, on every anchor [A] of the image
The teacher sees the student's exact input tensor and the student's RoIs (its own RPN is not
run past the objectness head), so both score the same boxes; it runs on the shape images only.
"""
import torch
import torch.nn.functional as F
from torchvision.models.detection.rpn import concat_box_prediction_layers
from torchvision.ops import box_iou


class NearShapeDistiller:
    """Hooks on the student record what one training forward saw; loss() compares the teacher."""

    def __init__(self, student, teacher, near_iou=0.3):
        self.teacher, self.near_iou = teacher.eval(), near_iou
        for p in teacher.parameters():
            p.requires_grad_(False)
        self.seen = {}

        def keep(name, what):
            def hook(module, inputs, output):
                self.seen[name] = what(inputs, output)
            return hook

        roi = student.roi_heads
        student.backbone.register_forward_hook(keep("input", lambda i, o: i[0]))      # [N,3,H,W]
        student.rpn.head.register_forward_hook(keep("rpn_head", lambda i, o: o))  # (logits, deltas)
        student.rpn.anchor_generator.register_forward_hook(keep("anchors", lambda i, o: o))
        roi.box_roi_pool.register_forward_hook(keep("rois", lambda i, o: (i[1], i[2])))
        roi.box_predictor.register_forward_hook(keep("class_logits", lambda i, o: o[0]))

    @staticmethod
    def _objectness(head_output):
        """RPN head output -> [N, anchors] logits, in the anchors' order (as the RPN itself does)."""
        logits, deltas = head_output           # per level: [N,A,h,w], [N,4A,h,w]
        return concat_box_prediction_layers(logits, deltas)[0].reshape(logits[0].shape[0], -1)

    def _near(self, boxes, shapes):
        return box_iou(boxes, shapes).max(1).values >= self.near_iou

    def loss(self, targets):
        """{'distill_roi', 'distill_rpn'} for the last training forward (0 without shapes)."""
        s, self.seen = self.seen, {}
        rois, image_sizes = s["rois"]
        zero = s["class_logits"].sum() * 0      # graph-connected, for a batch with nothing to distill
        shaped = [i for i, t in enumerate(targets) if t["boxes"].numel()]
        if not shaped:
            return {"distill_roi": zero, "distill_rpn": zero}
        shaped_rois = [rois[i] for i in shaped]
        with torch.no_grad():
            feats = self.teacher.backbone(s["input"][shaped])
            t_obj = self._objectness(self.teacher.rpn.head(list(feats.values())))
            th = self.teacher.roi_heads
            t_cls = th.box_predictor(th.box_head(th.box_roi_pool(
                feats, shaped_rois, [image_sizes[i] for i in shaped])))[0]
        s_obj = self._objectness(s["rpn_head"])[shaped]
        s_cls = s["class_logits"].split([r.shape[0] for r in rois])
        t_cls = t_cls.split([r.shape[0] for r in shaped_rois])
        roi_terms, rpn_terms = [], []
        for j, i in enumerate(shaped):
            shapes = targets[i]["boxes"]
            near = self._near(rois[i], shapes)
            roi_terms.append(F.kl_div(F.log_softmax(s_cls[i][near], 1),
                                      F.log_softmax(t_cls[j][near], 1),
                                      reduction="none", log_target=True).sum(1))
            near = self._near(s["anchors"][i], shapes)
            q = torch.sigmoid(t_obj[j][near])
            entropy = F.binary_cross_entropy(q, q, reduction="none")
            rpn_terms.append(F.binary_cross_entropy_with_logits(s_obj[j][near], q,
                                                                reduction="none") - entropy)
        return {"distill_roi": _mean(roi_terms, zero), "distill_rpn": _mean(rpn_terms, zero)}


def _mean(terms, zero):
    """Mean of the per-RoI/anchor terms; `zero` when no RoI or anchor was near a shape."""
    flat = torch.cat(terms)
    return flat.mean() if flat.numel() else zero
