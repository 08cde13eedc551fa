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
run past the objectness head), so both score the same boxes.
"""
import torch
import torch.nn.functional as F
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
        student.rpn.head.register_forward_hook(keep("objectness", lambda i, o: o[0]))  # [N,A,h,w]/level
        student.rpn.anchor_generator.register_forward_hook(keep("anchors", lambda i, o: o))
        roi.box_roi_pool.register_forward_hook(keep("rois", lambda i, o: (i[1], i[2])))
        roi.box_predictor.register_forward_hook(keep("class_logits", lambda i, o: o[0]))

    @staticmethod
    def _per_image(levels):
        """[N,A,h,w] per level -> [N, sum h*w*A], in the anchor generator's (h, w, a) order."""
        return torch.cat([o.permute(0, 2, 3, 1).reshape(o.shape[0], -1) for o in levels], 1)

    def _near(self, boxes, shapes):
        return box_iou(boxes, shapes).max(1).values >= self.near_iou

    def loss(self, targets):
        """{'distill_roi', 'distill_rpn'} for the last training forward (0 without shapes)."""
        s = self.seen
        with torch.no_grad():
            feats = self.teacher.backbone(s["input"])
            t_obj = self._per_image(self.teacher.rpn.head(list(feats.values()))[0])
            rois, image_sizes = s["rois"]
            th = self.teacher.roi_heads
            t_cls = th.box_predictor(th.box_head(th.box_roi_pool(feats, rois, image_sizes)))[0]
        s_obj = self._per_image(s["objectness"])
        s_cls = s["class_logits"]
        roi_terms, rpn_terms, start = [], [], 0
        for i, (t, boxes, anchors) in enumerate(zip(targets, rois, s["anchors"])):
            end = start + boxes.shape[0]
            if t["boxes"].numel():
                near = self._near(boxes, t["boxes"])
                p_t = F.softmax(t_cls[start:end][near], 1)
                log_s = F.log_softmax(s_cls[start:end][near], 1)
                roi_terms.append((p_t * (torch.log(p_t.clamp_min(1e-8)) - log_s)).sum(1))
                near = self._near(anchors, t["boxes"])
                q = torch.sigmoid(t_obj[i][near])
                entropy = F.binary_cross_entropy(q, q, reduction="none")
                rpn_terms.append(F.binary_cross_entropy_with_logits(s_obj[i][near], q,
                                                                    reduction="none") - entropy)
            start = end
        self.seen = {}
        return {"distill_roi": _mean(roi_terms, s_cls), "distill_rpn": _mean(rpn_terms, s_cls)}


def _mean(terms, like):
    """Mean of the per-RoI/anchor terms; a graph-connected 0 when there are none."""
    flat = torch.cat(terms) if terms else like.new_zeros(0)
    return flat.mean() if flat.numel() else like.sum() * 0
